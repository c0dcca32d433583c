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

mod audio;
mod completion;
mod fetch;
mod name;
mod remote;
mod tap;
mod temp;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use url::Url;

pub use crate::error::{DownloadError, SourceKind};
pub use completion::Saved;
pub use fetch::DownloadEvent;
pub use name::{extension, file_stem};
pub use remote::{RemoteFile, ResultFiles, Source, TaskFiles};

use crate::client::Client;
use crate::error::Error;

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
    /// match: then nothing is requested). Each of the file's
    /// [sources](RemoteFile::sources) is tried once, in order, until one
    /// gives it whole: not empty, as long as the host declared, and for
    /// MP3 and WAV, playable for at least 90 % of the record's duration.
    /// When none does, the error names every source tried and why it
    /// failed (a local write error ends the tries at once).
    pub async fn file(&self, file: &RemoteFile, dir: &Path) -> Result<Saved, Error> {
        let saved = self.fetch(file, dir).await?;
        if let (Some(task_id), false) = (&file.task_id, saved.already_there) {
            let event = crate::journal::JournalEvent::FileSaved {
                task_id: task_id.clone(),
                path: saved.path.display().to_string(),
                bytes: saved.bytes,
            };
            self.client.events().emit(event, "a saved file").await;
        }
        Ok(saved)
    }

    async fn fetch(&self, file: &RemoteFile, dir: &Path) -> Result<Saved, Error> {
        let wrap = |source: DownloadError| Error::Download {
            file: crate::redact::url(&file.url),
            source,
        };
        if let Some(saved) = completion::existing(dir, &file.stem).await {
            // Nothing to fetch, but a temporary file of this name that a
            // dead process left (killed while fetching it a second time)
            // goes all the same.
            temp::sweep(dir, &file.stem).await;
            return Ok(saved);
        }
        tokio::fs::create_dir_all(dir).await.map_err(|source| {
            wrap(DownloadError::Io {
                path: dir.to_path_buf(),
                source,
            })
        })?;
        let mut tried = Vec::new();
        let mut last = None;
        // The URLs whose host refused the request or gave a broken file:
        // only for those may a fresh link from the API help.
        let mut link_may_help: Vec<&Url> = Vec::new();
        for source in &file.sources {
            if let Source::DownloadLink(url) = source
                && !link_may_help.contains(&url)
            {
                continue;
            }
            let (kind, result) = self.try_source(source, file, dir).await;
            let failure = match result {
                Ok(saved) => return Ok(saved),
                // The disk, not the source: no other source would help.
                Err(Failure::Download(e @ DownloadError::Io { .. })) => return Err(wrap(e)),
                Err(failure) => failure,
            };
            let url = crate::redact::url(source.url());
            tracing::debug!(file = %file.stem, %kind, %url, error = %failure, "source failed; trying the next");
            if let (Source::File(own) | Source::Stream(own), Failure::Download(e)) =
                (source, &failure)
                && e.is_refusal_or_broken_file()
            {
                link_may_help.push(own);
            }
            tried.push((kind, url, failure.to_string()));
            last = Some(failure);
        }
        match last {
            Some(Failure::Download(e)) if tried.len() == 1 => Err(wrap(e)),
            Some(Failure::Api(e)) if tried.len() == 1 => Err(e),
            _ => Err(wrap(DownloadError::NoSource { tried })),
        }
    }

    /// One source, once.
    async fn try_source(
        &self,
        source: &Source,
        file: &RemoteFile,
        dir: &Path,
    ) -> (SourceKind, Result<Saved, Failure>) {
        let (kind, url) = match source {
            Source::File(url) => (SourceKind::File, url.clone()),
            Source::Stream(url) => (SourceKind::Stream, url.clone()),
            Source::DownloadLink(url) => match self.client.download_url(url).await {
                Ok(link) => (SourceKind::DownloadLink, link),
                Err(e) => return (SourceKind::DownloadLink, Err(Failure::Api(e))),
            },
        };
        if let Err(e) = check_url(&url) {
            return (kind, Err(Failure::Download(e)));
        }
        let sink: &(dyn Fn(&DownloadEvent) + Send + Sync) = match &self.on_event {
            Some(sink) => sink.as_ref(),
            None => &no_events,
        };
        let target = fetch::Target {
            url: &url,
            source: kind,
            dir,
            stem: &file.stem,
            duration: file.duration,
        };
        let result = fetch::fetch(&self.http, &target, self.limits, sink).await;
        (kind, result.map_err(Failure::Download))
    }

    /// Saves every file into `dir`, a few at a time; the results in the
    /// order of `files`. Files of one task with the same bytes are
    /// reported: each after the first has
    /// [`Saved::duplicate_of`](Saved::duplicate_of) set.
    pub async fn all(&self, files: Vec<RemoteFile>, dir: &Path) -> Vec<Result<Saved, Error>> {
        let tasks: Vec<Option<String>> = files.iter().map(|f| f.task_id.clone()).collect();
        let mut results: Vec<Result<Saved, Error>> = futures_util::stream::iter(files)
            .map(|file| async move { self.file(&file, dir).await })
            .buffered(self.concurrency)
            .collect()
            .await;
        let mut first_of: std::collections::HashMap<(Option<String>, String), std::path::PathBuf> =
            std::collections::HashMap::new();
        for (result, task) in results.iter_mut().zip(tasks) {
            if let Ok(saved) = result {
                match first_of.entry((task, saved.sha256.clone())) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        tracing::warn!(file = %saved.path.display(), same_as = %first.get().display(), "two files of one task have the same bytes");
                        saved.duplicate_of = Some(first.get().clone());
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(saved.path.clone());
                    }
                }
            }
        }
        results
    }
}

/// Why one source did not give the file.
enum Failure {
    /// The download-URL call failed.
    Api(Error),
    /// The download failed.
    Download(DownloadError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Api(e) => e.fmt(f),
            Failure::Download(e) => e.fmt(f),
        }
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

/// Removes the temporary files in `dir` that no live download holds: left
/// by processes that died (SIGKILL) while saving into it; how many.
pub(crate) async fn sweep_dead_temporaries(dir: &Path) -> usize {
    temp::sweep_all(dir).await
}
