//! Keeping what a task made: its files (track audio and cover images, WAV,
//! stems, videos, cover art) downloaded to a directory, complete or not at
//! all. Files are kept about 14 days by their hosts, which sometimes refuse
//! clients that are not browsers; a refused or expired link is fetched
//! again through the API's download URL call. The API key is never sent to
//! file hosts, and plain `http://` only to loopback.
//!
//! ```no_run
//! # async fn run(client: kie_suno::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use kie_suno::download::TaskFiles;
//! let record = client.wait("5c79be8e").await?;
//! for saved in client.downloads().all(record.files(), "songs".as_ref()).await {
//!     let saved = saved?;
//!     println!("{} ({} bytes)", saved.path.display(), saved.bytes);
//! }
//! # Ok(()) }
//! ```

mod fetch;
mod name;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use url::Url;

pub use crate::error::DownloadError;
pub use fetch::{DownloadEvent, Saved};
pub use name::{extension, file_stem};

use crate::client::Client;
use crate::error::Error;
use crate::record::MusicRecord;
use crate::single_result::JobRecord;

/// A file a task made: where it is, and the name (without extension) it
/// is saved under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// Its URL.
    pub url: Url,
    /// The file stem, made safe by [`file_stem`].
    pub stem: String,
    /// The task that made it, for the journal.
    pub task_id: Option<String>,
}

impl RemoteFile {
    /// A file named from a title and an id (see [`file_stem`]).
    pub fn new(url: Url, title: Option<&str>, id: &str) -> Self {
        RemoteFile {
            url,
            stem: file_stem(title, id),
            task_id: None,
        }
    }

    /// The file of task `task_id` (the journal records it there).
    pub fn of_task(mut self, task_id: &str) -> Self {
        self.task_id = Some(task_id.to_owned());
        self
    }
}

/// The files a task's record names, ready to download.
pub trait TaskFiles {
    /// Each file, named after its track (title and id) or its task.
    fn files(&self) -> Vec<RemoteFile>;
}

/// Every track's audio and cover image.
impl TaskFiles for MusicRecord {
    fn files(&self) -> Vec<RemoteFile> {
        let mut files = Vec::new();
        for track in self.tracks() {
            if let Some(url) = track.audio_url() {
                files.push(RemoteFile::new(url, track.title(), track.id()).of_task(self.task_id()));
            }
            if let Some(url) = track.image_url() {
                let id = format!("{}-cover", track.id());
                files.push(RemoteFile::new(url, track.title(), &id).of_task(self.task_id()));
            }
        }
        files
    }
}

/// The WAV or video file, the stems, the cover images: named after the
/// task and what each file is (`<task>-wav`, `<task>-vocal`, ...).
impl<R: ResultFiles> TaskFiles for JobRecord<R> {
    fn files(&self) -> Vec<RemoteFile> {
        self.result()
            .map(|result| {
                result
                    .urls()
                    .into_iter()
                    .map(|(what, url)| {
                        RemoteFile::new(url, None, &format!("{}-{what}", self.task_id()))
                            .of_task(self.task_id())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A family's results, as files.
pub trait ResultFiles {
    /// Each file with a short name for what it is.
    fn urls(&self) -> Vec<(String, Url)>;
}

impl ResultFiles for Url {
    fn urls(&self) -> Vec<(String, Url)> {
        vec![("file".to_owned(), self.clone())]
    }
}

impl ResultFiles for Vec<Url> {
    fn urls(&self) -> Vec<(String, Url)> {
        self.iter()
            .enumerate()
            .map(|(i, url)| (format!("image-{i}"), url.clone()))
            .collect()
    }
}

impl ResultFiles for crate::separation::Stems {
    fn urls(&self) -> Vec<(String, Url)> {
        self.iter()
            .map(|(name, url)| (name.clone(), url.clone()))
            .collect()
    }
}

/// Lyrics are texts: no files.
impl ResultFiles for Vec<crate::lyrics::LyricsText> {
    fn urls(&self) -> Vec<(String, Url)> {
        Vec::new()
    }
}

/// MIDI comes as notes in the record: no files.
impl ResultFiles for crate::midi::MidiData {
    fn urls(&self) -> Vec<(String, Url)> {
        Vec::new()
    }
}

type EventSink = Arc<dyn Fn(&DownloadEvent) + Send + Sync>;

/// The sink when nobody listens.
fn no_events(_: &DownloadEvent) {}

/// Downloads of a client's files; see [`Client::downloads`].
#[derive(Clone)]
pub struct Downloads {
    client: Client,
    http: reqwest::Client,
    concurrency: usize,
    limits: fetch::Limits,
    on_event: Option<EventSink>,
}

impl std::fmt::Debug for Downloads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloads")
            .field("concurrency", &self.concurrency)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Downloads of the files tasks made, 4 at a time by default, each
    /// within the default limits (2 GiB, 60 s without a byte, 30 minutes
    /// in all). File hosts get their own HTTP client (shared by the
    /// client's downloads), which follows at most 5 redirects, never from
    /// https to http nor into a private network: the API key is never
    /// sent to them.
    pub fn downloads(&self) -> Downloads {
        Downloads {
            client: self.clone(),
            http: self.file_http().clone(),
            concurrency: 4,
            limits: fetch::Limits::default(),
            on_event: None,
        }
    }
}

impl Downloads {
    /// How many files are fetched at once (at least 1; default 4).
    pub fn concurrency(mut self, files: usize) -> Self {
        self.concurrency = files.max(1);
        self
    }

    /// The largest file kept (default 2 GiB): a larger declared size is
    /// refused before reading, a host that sends more is cut off there.
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.limits.max_bytes = bytes;
        self
    }

    /// How long a file host may send nothing before the download is
    /// resumed (a few times) and then given up (default 60 s).
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.limits.stall = timeout.max(Duration::from_millis(1));
        self
    }

    /// The longest one file may take, resumes included (default 30
    /// minutes).
    pub fn file_timeout(mut self, timeout: Duration) -> Self {
        self.limits.total = timeout;
        self
    }

    /// Calls `callback` with every [`DownloadEvent`].
    pub fn on_event(mut self, callback: impl Fn(&DownloadEvent) + Send + Sync + 'static) -> Self {
        self.on_event = Some(Arc::new(callback));
        self
    }

    /// Saves one file into `dir` (created if missing), unless it is there
    /// already, whole (its completion record's name, size and SHA-256
    /// match: then nothing is requested). A
    /// refused (403) or gone (404, 410) link is fetched once more through
    /// [`Client::download_url`].
    pub async fn file(&self, file: &RemoteFile, dir: &Path) -> Result<Saved, Error> {
        let saved = self.fetch(file, dir).await?;
        if let (Some(journal), Some(task_id), false) =
            (self.client.journal(), &file.task_id, saved.already_there)
        {
            let event = crate::journal::JournalEvent::FileSaved {
                task_id: task_id.clone(),
                path: saved.path.display().to_string(),
                bytes: saved.bytes,
            };
            if let Err(e) = journal.record(event).await {
                tracing::warn!(error = %e, "could not journal a saved file");
            }
        }
        Ok(saved)
    }

    async fn fetch(&self, file: &RemoteFile, dir: &Path) -> Result<Saved, Error> {
        let wrap = |source: DownloadError| Error::Download {
            file: crate::redact::url(&file.url),
            source,
        };
        if let Some(saved) = fetch::existing(dir, &file.stem).await {
            return Ok(saved);
        }
        tokio::fs::create_dir_all(dir).await.map_err(|source| {
            wrap(DownloadError::Io {
                path: dir.to_path_buf(),
                source,
            })
        })?;
        check_url(&file.url).map_err(wrap)?;
        let sink: &(dyn Fn(&DownloadEvent) + Send + Sync) = match &self.on_event {
            Some(sink) => sink.as_ref(),
            None => &no_events,
        };
        let limits = self.limits;
        match fetch::fetch(&self.http, &file.url, dir, &file.stem, limits, sink).await {
            Err(DownloadError::Status {
                status: 403 | 404 | 410,
            }) => {
                tracing::debug!(file = %crate::redact::url(&file.url), "file refused or gone; asking the API for a download link");
                let link = self.client.download_url(&file.url).await?;
                check_url(&link).map_err(wrap)?;
                fetch::fetch(&self.http, &link, dir, &file.stem, limits, sink)
                    .await
                    .map_err(wrap)
            }
            other => other.map_err(wrap),
        }
    }

    /// Saves every file into `dir`, a few at a time; the results in the
    /// order of `files`.
    pub async fn all(&self, files: Vec<RemoteFile>, dir: &Path) -> Vec<Result<Saved, Error>> {
        futures_util::stream::iter(files)
            .map(|file| async move { self.file(&file, dir).await })
            .buffered(self.concurrency)
            .collect()
            .await
    }
}

/// `https`, or `http` to loopback only, as for the API.
fn check_url(url: &Url) -> Result<(), DownloadError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if crate::host::is_loopback(url) => Ok(()),
        _ => Err(DownloadError::Insecure),
    }
}
