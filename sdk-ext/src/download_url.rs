//! The files tasks make: their hosts keep them about 14 days and sometimes
//! refuse clients that are not browsers; the API's download URL call
//! (`POST /api/v1/common/download-url`) gives a temporary link that works.

use url::Url;

use crate::client::Client;
use crate::envelope;
use crate::error::Error;
use crate::generated::types;

const OPERATION: &str = "download-url";

impl Client {
    /// A temporary download link for a file a task made (its audio, image,
    /// WAV, ... URL), for when the file's own URL is refused or expired.
    pub async fn download_url(&self, file_url: &Url) -> Result<Url, Error> {
        let body = types::DownloadUrlBody {
            url: file_url.to_string(),
        };
        let (answer, hint) = self
            .answer(self.generated().download_url().body(body).send())
            .await?;
        envelope::check(answer.code, answer.msg, answer.data, hint)?
            .as_deref()
            .and_then(|link| Url::parse(link).ok())
            .ok_or(Error::IncompleteAnswer {
                operation: OPERATION,
                problem: "success, without a valid link",
            })
    }
}
