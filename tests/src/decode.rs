//! Decoding as a client does, then reading everything a caller can read:
//! what the property test and the fuzz target run on every input.

use kie_suno::MusicRecord;

/// Decodes `body` like `Client::task` and touches every accessor. Any input
/// must end here in a record or a typed error; a panic is a bug.
pub fn exercise(body: &[u8]) {
    match MusicRecord::from_body("t", body) {
        Ok(record) => {
            let _ = (
                record.task_id(),
                record.status(),
                record.operation(),
                record.model(),
            );
            let _ = (
                record.parent_music_id(),
                record.created_at(),
                record.error(),
            );
            let _ = record.status().partial_cmp(&kie_suno::TaskStatus::Pending);
            if let Ok(params) = record.params() {
                let _ = serde_json::to_string(&params);
            }
            for track in record.tracks() {
                let _ = (
                    track.id(),
                    track.title(),
                    track.tags(),
                    track.prompt(),
                    track.model_name(),
                );
                let _ = (
                    track.audio_url(),
                    track.stream_audio_url(),
                    track.image_url(),
                );
                let _ = (track.created_at(), track.duration());
            }
            // Serializing a record cannot fail: every field is a plain value.
            let _ = serde_json::to_string(&record);
            let _ = record.into_generated();
        }
        Err(error) => {
            let _ = (error.to_string(), error.is_retryable(), error.retry_after());
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = kie_suno::time::parse_time(text);
        let _ = kie_suno::GenerationParams::parse(text);
    }
}
