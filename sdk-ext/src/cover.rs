//! Cover images: drawing covers for a music task
//! (`POST /api/v1/suno/cover/generate`) and following the task
//! (`GET /api/v1/suno/cover/record-info`), which ends with the images'
//! URLs.

use url::Url;

use crate::client::Client;
use crate::create;
use crate::error::Error;
use crate::generated::types;
use crate::handle::TaskHandle;
use crate::kind::TaskKind;
use crate::single_result::{self, JobStatus, Parts};
use crate::validate;

const OPERATION: &str = "generate-cover";

/// The cover image family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cover;

/// A cover task's record; its result is the images' URLs.
pub type CoverRecord = single_result::JobRecord<Vec<Url>>;

fn read(raw: types::CoverRecord) -> Parts<Vec<Url>> {
    let images: Vec<Url> = raw
        .response
        .map(|r| r.images)
        .unwrap_or_default()
        .iter()
        .filter_map(|u| Url::parse(u).ok())
        .collect();
    Parts {
        task_id: raw.task_id,
        status: raw
            .success_flag
            .map(|flag| JobStatus::from_flag(TaskKind::Cover, flag)),
        created_at: single_result::time_of(&raw.create_time),
        completed_at: single_result::time_of(&raw.complete_time),
        error_code: raw.error_code.map(i64::from),
        error_message: raw.error_message,
        result: (!images.is_empty()).then_some(images),
    }
}

single_result::single_result_family!(Cover, TaskKind::Cover, Vec<Url>, get_cover_details, read);

/// A request to draw cover images for a music task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateCover {
    task_id: String,
    callback_url: Option<String>,
}

impl GenerateCover {
    /// For the music task `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        GenerateCover {
            task_id: task_id.into(),
            callback_url: None,
        }
    }

    /// Where the API posts the task's results (default: the client's).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }
}

/// The cover image operations of a client; see [`Client::cover`].
#[derive(Debug, Clone, Copy)]
pub struct CoverApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Cover images: draw them, and follow cover tasks.
    pub fn cover(&self) -> CoverApi<'_> {
        CoverApi { client: self }
    }
}

impl CoverApi<'_> {
    /// Creates a cover task. Costs credits; sent under the rules of
    /// [`MusicApi::generate`](crate::music::MusicApi::generate).
    pub async fn generate(self, request: GenerateCover) -> Result<TaskHandle<Cover>, Error> {
        let own_callback_url = request.callback_url.clone();
        let inner = self.client.generated();
        let into_body = |callback: &url::Url| {
            validate::required(OPERATION, "taskId", &request.task_id)?;
            Ok(types::GenerateCoverBody {
                call_back_url: callback.to_string(),
                task_id: request.task_id,
            })
        };
        create::create_task(
            self.client,
            OPERATION,
            own_callback_url,
            into_body,
            |body| inner.generate_cover().body(body).send(),
        )
        .await
    }

    /// A handle on a cover task made earlier, by id.
    pub fn task(self, task_id: impl Into<String>) -> TaskHandle<Cover> {
        TaskHandle::new(self.client, task_id)
    }
}
