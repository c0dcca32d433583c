//! Music videos: making a video for a generated track
//! (`POST /api/v1/mp4/generate`) and following the task
//! (`GET /api/v1/mp4/record-info`), which ends with the video's URL.

use url::Url;

use crate::client::Client;
use crate::create;
use crate::error::Error;
use crate::generated::types;
use crate::handle::TaskHandle;
use crate::kind::TaskKind;
use crate::single_result::{self, JobStatus, Parts};
use crate::validate;

const OPERATION: &str = "create-music-video";

/// The music video family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Video;

/// A video task's record; its result is the video's URL.
pub type VideoRecord = single_result::JobRecord<Url>;

fn read(raw: types::VideoRecord) -> Parts<Url> {
    Parts {
        task_id: raw.task_id,
        status: raw.success_flag.as_deref().map(JobStatus::from),
        created_at: single_result::time_of(&raw.create_time),
        completed_at: single_result::time_of(&raw.complete_time),
        error_code: raw.error_code.map(i64::from),
        error_message: raw.error_message,
        result: raw
            .response
            .and_then(|r| r.video_url)
            .and_then(|u| Url::parse(&u).ok()),
    }
}

single_result::single_result_family!(Video, TaskKind::Video, Url, get_music_video_details, read);

/// A request to make a video for one track of a music task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateMusicVideo {
    task_id: String,
    audio_id: String,
    author: Option<String>,
    domain_name: Option<String>,
    callback_url: Option<String>,
}

impl CreateMusicVideo {
    /// For the track `audio_id` of the music task `task_id`.
    pub fn new(task_id: impl Into<String>, audio_id: impl Into<String>) -> Self {
        CreateMusicVideo {
            task_id: task_id.into(),
            audio_id: audio_id.into(),
            author: None,
            domain_name: None,
            callback_url: None,
        }
    }

    /// The artist shown in the video (at most 50 characters).
    pub fn author(mut self, author: impl Into<String>) -> Self {
        self.author = Some(author.into());
        self
    }

    /// The website shown as a watermark (at most 50 characters).
    pub fn domain_name(mut self, domain: impl Into<String>) -> Self {
        self.domain_name = Some(domain.into());
        self
    }

    /// Where the API posts the task's results (default: the client's).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }
}

/// Checks an optional text of at most 50 characters and makes it the
/// generated type, which checks the same limit.
fn limited<T: TryFrom<String>>(
    field: &'static str,
    value: Option<String>,
) -> Result<Option<T>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    validate::max_chars(OPERATION, field, &value, 50, "")?;
    T::try_from(value)
        .map(Some)
        .map_err(|_| Error::InvalidRequest {
            operation: OPERATION,
            field,
            problem: "is not accepted by the API's schema".to_owned(),
        })
}

/// The music video operations of a client; see [`Client::video`].
#[derive(Debug, Clone, Copy)]
pub struct VideoApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Music videos: make them, and follow video tasks.
    pub fn video(&self) -> VideoApi<'_> {
        VideoApi { client: self }
    }
}

impl VideoApi<'_> {
    /// Creates a music video task. Costs credits; sent under the rules of
    /// [`MusicApi::generate`](crate::music::MusicApi::generate).
    pub async fn create(self, request: CreateMusicVideo) -> Result<TaskHandle<Video>, Error> {
        let own_callback_url = request.callback_url.clone();
        let inner = self.client.generated();
        let into_body = |callback: &url::Url| {
            validate::required(OPERATION, "taskId", &request.task_id)?;
            validate::required(OPERATION, "audioId", &request.audio_id)?;
            Ok(types::CreateMusicVideoBody {
                audio_id: request.audio_id,
                author: limited("author", request.author)?,
                call_back_url: callback.to_string(),
                domain_name: limited("domainName", request.domain_name)?,
                task_id: request.task_id,
            })
        };
        create::create_task(
            self.client,
            OPERATION,
            own_callback_url,
            into_body,
            |body| inner.create_music_video().body(body).send(),
        )
        .await
    }

    /// A handle on a video task made earlier, by id.
    pub fn task(self, task_id: impl Into<String>) -> TaskHandle<Video> {
        TaskHandle::new(self.client, task_id)
    }
}
