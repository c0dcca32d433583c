//! The ergonomic types on their own: open enums round-trip every value
//! (unknown ones included), statuses order by progress, times read in all
//! three of the API's forms, and bad parameters are errors, not panics.

use kie_suno::generated::types::MusicTrackCreateTime;
use kie_suno::time::{TimeError, from_epoch_millis, parse_create_time, parse_time};
use kie_suno::{
    ApiCode, GenerationParams, Model, OperationType, ParamsError, TaskErrorCode, TaskStatus,
};

/// Display -> FromStr and serde both give back the same value.
fn round_trips<T>(values: impl IntoIterator<Item = T>)
where
    T: std::fmt::Display
        + std::str::FromStr
        + serde::Serialize
        + serde::de::DeserializeOwned
        + PartialEq
        + std::fmt::Debug,
    <T as std::str::FromStr>::Err: std::fmt::Debug,
{
    for value in values {
        let text = value.to_string();
        assert_eq!(
            text.parse::<T>().expect("parses"),
            value,
            "Display/FromStr of {text}"
        );
        let json = serde_json::to_string(&value).expect("serializes");
        assert_eq!(
            serde_json::from_str::<T>(&json).expect("deserializes"),
            value,
            "serde of {json}"
        );
    }
}

#[test]
fn string_enums_round_trip_known_and_unknown_values() {
    round_trips(
        TaskStatus::KNOWN
            .iter()
            .cloned()
            .chain([TaskStatus::Unknown("MASTERING".into())]),
    );
    round_trips(
        OperationType::KNOWN
            .iter()
            .cloned()
            .chain([OperationType::Unknown("remix".into())]),
    );
    round_trips(
        Model::KNOWN
            .iter()
            .cloned()
            .chain([Model::Unknown("V7".into())]),
    );
    assert_eq!(TaskStatus::KNOWN.len(), 8);
    assert_eq!(Model::KNOWN.len(), 10);
}

#[test]
fn integer_enums_round_trip_known_and_unknown_codes() {
    round_trips(
        ApiCode::KNOWN
            .iter()
            .copied()
            .chain([ApiCode::Unknown(599)]),
    );
    round_trips(
        TaskErrorCode::KNOWN
            .iter()
            .copied()
            .chain([TaskErrorCode::Unknown(999)]),
    );
    assert_eq!(
        serde_json::to_string(&ApiCode::InsufficientCredits).expect("json"),
        "402"
    );
    assert!("4o2".parse::<ApiCode>().is_err(), "not a number");
}

#[test]
fn wire_values_map_to_their_variants() {
    assert_eq!(
        TaskStatus::from("CALLBACK_EXCEPTION"),
        TaskStatus::CallbackException
    );
    assert_eq!(Model::from("V4_5PLUS"), Model::V4_5Plus);
    assert_eq!(
        OperationType::from("upload_extend"),
        OperationType::UploadExtend
    );
    assert_eq!(ApiCode::from(430), ApiCode::FrequencyLimited);
    assert_eq!(TaskErrorCode::from(531), TaskErrorCode::FailedRefunded);
}

#[test]
fn statuses_order_by_progress_and_failures_stand_apart() {
    use TaskStatus::*;
    assert!(Pending < TextSuccess && TextSuccess < FirstSuccess && FirstSuccess < Success);
    assert_eq!(GenerateAudioFailed.partial_cmp(&Pending), None);
    assert_eq!(Unknown("X".into()).partial_cmp(&Pending), None);
    assert!(Success.is_success() && Success.is_terminal() && !Success.is_failure());
    for failed in [CreateTaskFailed, GenerateAudioFailed, SensitiveWordError] {
        assert!(failed.is_failure() && failed.is_terminal() && !failed.is_success());
    }
    assert!(
        CallbackException.is_terminal()
            && !CallbackException.is_failure()
            && !CallbackException.is_success()
    );
    assert!(!Unknown("X".into()).is_terminal());
}

#[test]
fn api_codes_say_whether_to_retry() {
    for code in [455, 500, 429, 430, 405] {
        assert!(ApiCode::from(code).is_retryable(), "{code}");
    }
    for code in [401, 402, 404, 409, 413, 422, 433, 451, 501, 505, 777] {
        assert!(!ApiCode::from(code).is_retryable(), "{code}");
    }
}

#[test]
fn times_read_in_all_three_forms() {
    let ms = from_epoch_millis(1772624679694.0).expect("epoch ms");
    assert_eq!(ms.to_rfc3339(), "2026-03-04T11:44:39.694+00:00");
    let naive = parse_time("2025-01-01 00:00:00").expect("naive");
    assert_eq!(naive.to_rfc3339(), "2025-01-01T00:00:00+00:00");
    let rfc = parse_time("2025-01-01T02:00:00+02:00").expect("rfc 3339");
    assert_eq!(rfc, naive);
    let from_number =
        parse_create_time(&MusicTrackCreateTime::Number(1735689600000.0)).expect("number");
    assert_eq!(from_number, naive);
}

#[test]
fn garbage_times_are_clear_errors() {
    let e = parse_time("next tuesday").expect_err("garbage");
    assert_eq!(e, TimeError::Unrecognized("next tuesday".into()));
    assert!(e.to_string().contains("RFC 3339"), "{e}");
    for bad in [f64::NAN, f64::INFINITY, 1e300, -1e300] {
        assert!(
            matches!(from_epoch_millis(bad), Err(TimeError::MillisOutOfRange(_))),
            "{bad}"
        );
    }
    assert!(parse_time("2025-13-45 99:00:00").is_err());
    assert!(parse_time("").is_err());
}

#[test]
fn malformed_params_are_errors_not_panics() {
    assert!(matches!(
        GenerationParams::parse(""),
        Err(ParamsError::Missing)
    ));
    assert!(matches!(
        GenerationParams::parse("{not json"),
        Err(ParamsError::Malformed(_))
    ));
    assert!(matches!(
        GenerationParams::parse("[1,2]"),
        Err(ParamsError::Malformed(_))
    ));
    assert!(matches!(
        GenerationParams::parse(r#"{"customMode":"yes"}"#),
        Err(ParamsError::Malformed(_))
    ));
}

#[test]
fn params_serialize_in_snake_case_keeping_unknown_keys() {
    let p = GenerationParams::parse(r#"{"customMode":true,"model":"V6_WILD","vocalGender":"f"}"#)
        .expect("params");
    let json = serde_json::to_value(&p).expect("json");
    assert_eq!(json["custom_mode"], true);
    assert_eq!(json["model"], "V6_WILD");
    assert_eq!(json["vocalGender"], "f");
}
