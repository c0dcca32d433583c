//! Reading the API's timestamps. A track's `createTime` comes in three
//! forms: epoch milliseconds as a number (live records), `"YYYY-MM-DD
//! HH:MM:SS"` (the provider's example; taken as UTC, since it carries no
//! offset) and RFC 3339 (other endpoints of the API).

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::generated::types::MusicTrackCreateTime;

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// A number that is not a plausible epoch-milliseconds time.
    #[error("{0} is not a time in milliseconds since the Unix epoch")]
    MillisOutOfRange(f64),
    /// A string in none of the known forms.
    #[error(
        "{0:?} is not a time: expected epoch milliseconds, 'YYYY-MM-DD HH:MM:SS' (UTC) or RFC 3339"
    )]
    Unrecognized(String),
}

/// A time from milliseconds since the Unix epoch (fractions are kept to the
/// microsecond).
pub fn from_epoch_millis(ms: f64) -> Result<DateTime<Utc>, TimeError> {
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        return Err(TimeError::MillisOutOfRange(ms));
    }
    // In range, so the cast cannot saturate.
    let micros = (ms * 1000.0).round() as i64;
    DateTime::from_timestamp_micros(micros).ok_or(TimeError::MillisOutOfRange(ms))
}

/// A time from a string in any of the API's forms (including digits only,
/// read as epoch milliseconds).
///
/// ```
/// use kie_suno::time::parse_time;
/// let a = parse_time("2025-01-01 00:00:00").unwrap();
/// let b = parse_time("2025-01-01T00:00:00Z").unwrap();
/// let c = parse_time("1735689600000").unwrap();
/// assert!(a == b && b == c);
/// assert!(parse_time("yesterday").is_err());
/// ```
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, TimeError> {
    let trimmed = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(trimmed, format) {
            return Ok(t.and_utc());
        }
    }
    if !trimmed.is_empty()
        && trimmed.bytes().all(|b| b.is_ascii_digit())
        && let Ok(ms) = trimmed.parse::<f64>()
    {
        return from_epoch_millis(ms);
    }
    Err(TimeError::Unrecognized(text.chars().take(64).collect()))
}

/// A time from a track's `createTime`, whichever form it came in.
pub fn parse_create_time(value: &MusicTrackCreateTime) -> Result<DateTime<Utc>, TimeError> {
    match value {
        MusicTrackCreateTime::Number(ms) => from_epoch_millis(*ms),
        MusicTrackCreateTime::String(text) => parse_time(text),
    }
}
