//! The generated types decode what the live API sends: the page's own
//! example and fixtures written from the observed facts.

use kie_suno_sdk::types::{MusicRecordResponse, MusicTrackCreateTime};
use kie_suno_tests::{page_example, record_fixture};

fn decode(name: &str) -> MusicRecordResponse {
    serde_json::from_str(&record_fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn page_example_decodes_with_generate_type_and_naive_time() {
    let r: MusicRecordResponse = serde_json::from_value(page_example()).expect("page example");
    let data = r.data.expect("data");
    assert_eq!(data.type_.as_deref(), Some("GENERATE"));
    assert_eq!(data.status, "SUCCESS");
    assert_eq!(data.error_code, None);
    let track = &data.response.expect("response").suno_data[0];
    assert!(
        matches!(&track.create_time, Some(MusicTrackCreateTime::String(s)) if s == "2025-01-01 00:00:00")
    );
    assert_eq!(track.duration, Some(198.44));
}

#[test]
fn pending_record_with_null_response_decodes() {
    let data = decode("pending").data.expect("data");
    assert_eq!(data.status, "PENDING");
    assert!(data.response.is_none());
    assert_eq!(data.create_time, Some(1772624679694.0));
}

#[test]
fn text_success_track_with_empty_audio_url_and_null_duration_decodes() {
    let data = decode("text_success").data.expect("data");
    let track = &data.response.expect("response").suno_data[0];
    assert_eq!(track.audio_url.as_deref(), Some(""));
    assert_eq!(track.duration, None);
    assert!(
        track
            .stream_audio_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    );
    assert_eq!(track.source_image_url, None);
}

#[test]
fn generate_audio_failed_with_error_code_501_decodes() {
    let data = decode("generate_audio_failed").data.expect("data");
    assert_eq!(data.status, "GENERATE_AUDIO_FAILED");
    assert_eq!(data.error_code, Some(501));
    let response = data.response.expect("response");
    assert!(response.suno_data.is_empty());
    assert!(response.error_message.is_some());
}

#[test]
fn unknown_task_as_code_200_with_null_data_decodes() {
    let r = decode("unknown_task_null_data");
    assert_eq!(r.code, 200);
    assert!(r.data.is_none());
}

#[test]
fn unlisted_envelope_code_decodes() {
    let r = decode("unknown_task_422");
    assert_eq!(r.code, 422);
    let r: MusicRecordResponse =
        serde_json::from_str(r#"{"code": 433, "msg": "sub-key usage limit", "data": null}"#)
            .expect("code 433 is not in the page's enum");
    assert_eq!(r.code, 433);
}

#[test]
fn epoch_ms_create_time_and_new_model_codename_decode() {
    let data = decode("success_epoch_ms").data.expect("data");
    assert_eq!(data.type_.as_deref(), Some("chirp-crow"));
    let tracks = data.response.expect("response").suno_data;
    assert_eq!(tracks.len(), 2);
    assert!(
        matches!(tracks[0].create_time, Some(MusicTrackCreateTime::Number(ms)) if ms == 1772624679694.0)
    );
}

#[test]
fn unknown_status_and_operation_values_decode() {
    let data = decode("unknown_status").data.expect("data");
    assert_eq!(data.status, "QUEUED_FOR_MASTERING");
    assert_eq!(data.operation_type.as_deref(), Some("remaster"));
}

#[test]
fn unknown_extra_fields_are_ignored() {
    let data = decode("extra_fields").data.expect("data");
    let tracks = data.response.expect("response").suno_data;
    assert!(
        matches!(&tracks[0].create_time, Some(MusicTrackCreateTime::String(s)) if s.contains('T'))
    );
    assert!(
        matches!(&tracks[1].create_time, Some(MusicTrackCreateTime::String(s)) if s == "2025-01-01 00:00:00")
    );
}
