//! The journal as MCP resources: each task it holds as
//! `suno://task/{id}` (its journal entry, JSON), and each file it saved
//! as a `file://` resource with its MIME type, so that a client can open
//! it. Only files the journal records are served.

use std::path::Path;

use base64::Engine;
use kie_suno::journal::JournalEntry;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents};

use super::state::State;

const TASK_PREFIX: &str = "suno://task/";

/// A saved file above this size is listed but not read through MCP.
const MAX_READ_BYTES: u64 = 64 << 20;

/// The MIME type of a saved file, by its extension.
pub fn mime_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("mp3") => "audio/mpeg",
        Some("wav") => "audio/wav",
        Some("mp4") => "video/mp4",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("mid" | "midi") => "audio/midi",
        Some("json") => "application/json",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

fn file_uri(path: &str) -> String {
    url::Url::from_file_path(path).map_or_else(|()| format!("file://{path}"), |u| u.to_string())
}

/// Every task and saved file of the journal.
pub async fn list(state: &State) -> Result<Vec<Resource>, String> {
    let entries = state
        .journal
        .entries(true)
        .await
        .map_err(|e| e.to_string())?;
    let mut resources = Vec::new();
    for entry in &entries {
        let Some(task_id) = &entry.task_id else {
            continue;
        };
        let mut task = Resource::new(format!("{TASK_PREFIX}{task_id}"), task_id.clone());
        task.description = Some(format!(
            "{} task, {} ({})",
            entry.kind, entry.state, entry.operation
        ));
        task.mime_type = Some("application/json".into());
        resources.push(task);
        for (path, bytes) in &entry.files {
            let name = Path::new(path)
                .file_name()
                .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned());
            let mut file = Resource::new(file_uri(path), name);
            file.description = Some(format!("a file of task {task_id}"));
            file.mime_type = Some(mime_type(Path::new(path)).into());
            file.size = Some(*bytes);
            resources.push(file);
        }
    }
    Ok(resources)
}

/// One resource: a task's journal entry, or a saved file's bytes.
pub async fn read(state: &State, uri: &str) -> Result<ReadResourceResult, String> {
    let entries = state
        .journal
        .entries(true)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(task_id) = uri.strip_prefix(TASK_PREFIX) {
        let entry = entries
            .iter()
            .find(|e| e.task_id.as_deref() == Some(task_id))
            .ok_or_else(|| format!("no task {task_id:?} in the journal"))?;
        return Ok(ReadResourceResult::new(vec![task_contents(uri, entry)]));
    }
    let saved = entries
        .iter()
        .flat_map(|e| e.files.iter())
        .find(|(path, _)| file_uri(path) == uri)
        .ok_or_else(|| format!("{uri} is not a task or a file this journal saved"))?;
    let path = Path::new(&saved.0);
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{uri}: {e}"))?
        .len();
    if size > MAX_READ_BYTES {
        return Err(format!(
            "{uri} is {size} bytes; open it from its path instead"
        ));
    }
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| format!("{uri}: {e}"))?;
    let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(ReadResourceResult::new(vec![
        ResourceContents::BlobResourceContents {
            uri: uri.to_owned(),
            mime_type: Some(mime_type(path).into()),
            blob,
            meta: None,
        },
    ]))
}

fn task_contents(uri: &str, entry: &JournalEntry) -> ResourceContents {
    let text = serde_json::to_string_pretty(entry).unwrap_or_default();
    ResourceContents::TextResourceContents {
        uri: uri.to_owned(),
        mime_type: Some("application/json".into()),
        text,
        meta: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_files_have_the_mime_types_of_their_extensions() {
        assert_eq!(mime_type(Path::new("/a/Song-1.mp3")), "audio/mpeg");
        assert_eq!(mime_type(Path::new("/a/cover.JPEG")), "image/jpeg");
        assert_eq!(mime_type(Path::new("/a/take.wav")), "audio/wav");
        assert_eq!(mime_type(Path::new("/a/notes")), "application/octet-stream");
    }
}
