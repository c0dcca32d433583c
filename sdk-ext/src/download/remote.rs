//! What there is to download: [`RemoteFile`], a file a task made with the
//! sources it can be had from, in the order they are tried, and
//! [`TaskFiles`], which reads them off each family's record.
//!
//! A track's audio is tried from its `audioUrl`, then its
//! `sourceAudioUrl` (the same file at the generation service), then a
//! temporary link from the API's download-URL call, and last from its
//! streams (`streamAudioUrl`, `sourceStreamAudioUrl`), each once; a file
//! saved from a stream says so ([`Saved::source`](super::Saved::source)).

use std::time::Duration;

use url::Url;

use super::name::file_stem;
use crate::record::{MusicRecord, Track};
use crate::single_result::JobRecord;

/// One place a file can be had from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A URL of the file itself.
    File(Url),
    /// Ask the API's download-URL call for a temporary link to this URL.
    DownloadLink(Url),
    /// A stream of the same audio: a last resort.
    Stream(Url),
}

impl Source {
    /// The URL it names.
    pub fn url(&self) -> &Url {
        match self {
            Source::File(url) | Source::DownloadLink(url) | Source::Stream(url) => url,
        }
    }
}

/// A file a task made: the name (without extension) it is saved under, and
/// where it can be had.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteFile {
    /// The URL that names the file (in errors and the journal): its first
    /// source's.
    pub url: Url,
    /// The file stem, made safe by [`file_stem`].
    pub stem: String,
    /// The task that made it, for the journal.
    pub task_id: Option<String>,
    /// Where it can be had, tried in order, each once.
    pub sources: Vec<Source>,
    /// How long the audio plays, as the record says: a download playing
    /// under 90 % of it is not kept.
    pub duration: Option<Duration>,
}

impl RemoteFile {
    /// A file named from a title and an id (see [`file_stem`]), had from
    /// `url` and then through the API's download-URL call.
    pub fn new(url: Url, title: Option<&str>, id: &str) -> Self {
        RemoteFile {
            sources: vec![Source::File(url.clone()), Source::DownloadLink(url.clone())],
            url,
            stem: file_stem(title, id),
            task_id: None,
            duration: None,
        }
    }

    /// The file of task `task_id` (the journal records it there).
    pub fn of_task(mut self, task_id: &str) -> Self {
        self.task_id = Some(task_id.to_owned());
        self
    }

    /// Where it can be had instead of the default (its URL, then a
    /// download link); an empty list keeps the default.
    pub fn sources(mut self, sources: Vec<Source>) -> Self {
        if let Some(first) = sources.first() {
            self.url = first.url().clone();
            self.sources = sources;
        }
        self
    }

    /// How long the audio plays, as its record says.
    pub fn duration(mut self, duration: Option<Duration>) -> Self {
        self.duration = duration;
        self
    }

    /// A track's audio: its file URLs, a download link, then its streams.
    /// `None` when the track names no URL for it at all.
    pub fn track_audio(track: &Track) -> Option<RemoteFile> {
        let files = distinct([track.audio_url(), track.source_audio_url()]);
        let streams = distinct([track.stream_audio_url(), track.source_stream_audio_url()]);
        let mut sources: Vec<Source> = files.iter().cloned().map(Source::File).collect();
        if let Some(first) = files.first() {
            sources.push(Source::DownloadLink(first.clone()));
        }
        sources.extend(streams.into_iter().map(Source::Stream));
        let first = sources.first()?.url().clone();
        Some(
            RemoteFile::new(first, track.title(), track.id())
                .sources(sources)
                .duration(track.duration()),
        )
    }
}

/// The URLs given, without the missing and the repeated.
fn distinct<const N: usize>(urls: [Option<Url>; N]) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    for url in urls.into_iter().flatten() {
        if !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

/// The files a task's record names, ready to download.
pub trait TaskFiles {
    /// Each file, named after its track (title and id) or its task.
    fn files(&self) -> Vec<RemoteFile>;
}

/// Every track's audio (with its fallbacks) and cover image.
impl TaskFiles for MusicRecord {
    fn files(&self) -> Vec<RemoteFile> {
        let mut files = Vec::new();
        for track in self.tracks() {
            if let Some(audio) = RemoteFile::track_audio(track) {
                files.push(audio.of_task(self.task_id()));
            }
            let images = distinct([track.image_url(), track.source_image_url()]);
            if let Some(first) = images.first() {
                let id = format!("{}-cover", track.id());
                let mut sources: Vec<Source> = images.iter().cloned().map(Source::File).collect();
                sources.push(Source::DownloadLink(first.clone()));
                files.push(
                    RemoteFile::new(first.clone(), track.title(), &id)
                        .sources(sources)
                        .of_task(self.task_id()),
                );
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
