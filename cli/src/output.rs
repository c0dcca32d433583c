//! How records are printed: a readable summary, or one JSON line, for a
//! record of any family.

use std::fmt::Write;

use kie_suno::lyrics::LyricsText;
use kie_suno::midi::MidiData;
use kie_suno::separation::Stems;
use kie_suno::{JobRecord, MusicRecord, Track};
use serde::Serialize;
use url::Url;

/// A record the CLI can print.
pub trait Show: Serialize {
    /// A few aligned lines.
    fn summary(&self) -> String;

    /// One JSON object on one line (the record's documented serialization).
    fn json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

impl Show for MusicRecord {
    fn summary(&self) -> String {
        music_summary(self)
    }
}

/// The results of a family other than music, as summary lines.
pub trait ResultLines {
    fn lines(&self, out: &mut String);
}

impl ResultLines for Vec<LyricsText> {
    fn lines(&self, out: &mut String) {
        for (i, lyrics) in self.iter().enumerate() {
            let _ = writeln!(out, "lyrics {}  {}", i + 1, lyrics.title);
            for line in lyrics.text.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
}

impl ResultLines for Url {
    fn lines(&self, out: &mut String) {
        let _ = writeln!(out, "  {:<10} {self}", "file");
    }
}

impl ResultLines for Vec<Url> {
    fn lines(&self, out: &mut String) {
        for url in self {
            let _ = writeln!(out, "  {:<10} {url}", "image");
        }
    }
}

impl ResultLines for Stems {
    fn lines(&self, out: &mut String) {
        for (name, url) in self {
            let _ = writeln!(out, "  {name:<14} {url}");
        }
    }
}

impl ResultLines for MidiData {
    fn lines(&self, out: &mut String) {
        for instrument in &self.instruments {
            let name = instrument.name.as_deref().unwrap_or("(unnamed)");
            let _ = writeln!(out, "  {name:<24} {} notes", instrument.notes.len());
        }
    }
}

impl<R: ResultLines + Serialize> Show for JobRecord<R> {
    fn summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "task {}  {}", self.task_id(), self.status());
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        };
        for (name, value) in [
            ("created", time(self.created_at())),
            ("completed", time(self.completed_at())),
        ] {
            if let Some(value) = value {
                let _ = writeln!(out, "  {name:<10} {value}");
            }
        }
        if let Some(error) = self.error() {
            let code = error.code.map(|c| format!("{c}: ")).unwrap_or_default();
            let message = error.message.clone().unwrap_or_default();
            let _ = writeln!(out, "  {:<10} {code}{message}", "error");
        }
        if let Some(result) = self.result() {
            result.lines(&mut out);
        }
        out
    }
}

/// A few aligned lines per record and per track.
fn music_summary(record: &MusicRecord) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "task {}  {}", record.task_id(), record.status());
    let mut field = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            let _ = writeln!(out, "  {name:<10} {value}");
        }
    };
    field("operation", record.operation().map(|o| o.to_string()));
    field("model", record.model().map(str::to_owned));
    field(
        "created",
        record
            .created_at()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
    );
    field("extends", record.parent_music_id().map(str::to_owned));
    if let Ok(p) = record.params() {
        let mut parts = Vec::new();
        if let Some(m) = &p.model {
            parts.push(m.to_string());
        }
        if p.instrumental == Some(true) {
            parts.push("instrumental".into());
        }
        if let Some(prompt) = &p.prompt {
            parts.push(format!("{:?}", shorten(prompt, 60)));
        }
        field("params", Some(parts.join(", ")).filter(|s| !s.is_empty()));
    }
    if let Some(error) = record.error() {
        let code = error.code.map(|c| format!("{c}: ")).unwrap_or_default();
        field(
            "error",
            Some(format!("{code}{}", error.message.unwrap_or_default())),
        );
    }
    for (i, track) in record.tracks().iter().enumerate() {
        out.push_str(&track_lines(i + 1, track));
    }
    out
}

fn track_lines(number: usize, track: &Track) -> String {
    let mut out = String::new();
    let title = track.title().unwrap_or("(untitled)");
    let length = track
        .duration()
        .map(|d| format!("  ({}:{:02})", d.as_secs() / 60, d.as_secs() % 60))
        .unwrap_or_default();
    let _ = writeln!(out, "track {number}  {title}{length}");
    let mut field = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            let _ = writeln!(out, "  {name:<10} {value}");
        }
    };
    field("id", Some(track.id().to_owned()).filter(|s| !s.is_empty()));
    field("tags", track.tags().map(str::to_owned));
    field(
        "created",
        track
            .created_at()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
    );
    field("audio", track.audio_url().map(String::from));
    field("stream", track.stream_audio_url().map(String::from));
    field("image", track.image_url().map(String::from));
    out
}

fn shorten(text: &str, max_chars: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max_chars {
        line
    } else {
        let cut: String = line.chars().take(max_chars - 1).collect();
        format!("{cut}…")
    }
}
