//! Durations given as flags (`--timeout 90s`, `--lease 30s`): humantime's
//! forms, at most 30 days, with an example in every refusal.

use std::time::Duration;

/// The longest duration a flag takes.
const MAX: Duration = Duration::from_secs(30 * 86_400);

/// A flag's duration, or why not (for clap's message).
pub fn parse(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{e}; give a number and a unit, e.g. 90s, 10m, 1h30m"))?;
    if duration > MAX {
        return Err(format!(
            "{} is longer than the 30 days a flag may take (e.g. 90s, 10m, 1h30m)",
            humantime::format_duration(duration)
        ));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_bounded_and_refusals_show_an_example() {
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse(" 1h30m "), Ok(Duration::from_secs(5400)));
        for bad in ["abc", "", "10", "99999999999999999999y", "31days", "-5s"] {
            let e = parse(bad).expect_err(bad);
            assert!(e.contains("e.g. 90s"), "{bad}: {e}");
        }
    }
}
