//! Checks of create requests against the rules their pages state, made
//! before anything is sent: a request the API would refuse costs a round
//! trip at best and credits at worst. Each failure is an
//! [`Error::InvalidRequest`] naming the operation, the field as the API
//! spells it, and the rule. A leaf: it knows nothing of the client.

use url::Url;

use crate::error::Error;

fn invalid(operation: &'static str, field: &'static str, problem: String) -> Error {
    Error::InvalidRequest {
        operation,
        field,
        problem,
    }
}

/// A callback URL: an absolute `https` URL with a host, or plain `http`
/// to this machine (the API posts the task's results to it, lyrics and
/// file URLs included, which plain `http` would carry in clear text
/// across the network) unless `allow_insecure` says otherwise.
pub(crate) fn callback_url(
    operation: &'static str,
    text: &str,
    allow_insecure: bool,
) -> Result<Url, Error> {
    let url = Url::parse(text.trim()).map_err(|e| {
        invalid(
            operation,
            "callBackUrl",
            format!("is not an absolute URL ({e})"),
        )
    })?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err(invalid(
            operation,
            "callBackUrl",
            "must be an http(s) URL with a host: the API posts the task's results to it".to_owned(),
        ));
    }
    if url.scheme() == "http" && !allow_insecure && !crate::host::is_loopback(&url) {
        return Err(invalid(
            operation,
            "callBackUrl",
            format!(
                "is plain http to {}: the task's results would cross the network in clear \
                 text; use https (or allow it: ClientBuilder::allow_insecure_callback, \
                 --allow-insecure-callback)",
                url.host_str().unwrap_or_default()
            ),
        ));
    }
    Ok(url)
}

/// A file the API fetches: an absolute `https` or `http` URL with a host.
pub(crate) fn file_url(
    operation: &'static str,
    field: &'static str,
    text: &str,
) -> Result<(), Error> {
    let ok = Url::parse(text.trim())
        .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
    if !ok {
        return Err(invalid(
            operation,
            field,
            format!("is {text:?}; it must be a public http(s) URL of the audio file"),
        ));
    }
    Ok(())
}

/// A time in seconds with at most two decimals.
pub(crate) fn centiseconds(
    operation: &'static str,
    field: &'static str,
    value: f64,
) -> Result<(), Error> {
    seconds(operation, field, value)?;
    if ((value * 100.0).round() - value * 100.0).abs() > 1e-6 {
        return Err(invalid(
            operation,
            field,
            format!("is {value}; it has at most two decimals (e.g. 10.50)"),
        ));
    }
    Ok(())
}

/// A text the API requires: present and not blank.
pub(crate) fn required(
    operation: &'static str,
    field: &'static str,
    value: &str,
) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(invalid(
            operation,
            field,
            "is required and empty".to_owned(),
        ));
    }
    Ok(())
}

/// A text of at most `max` characters (Unicode scalar values, as the
/// pages count them); `rule` says whose limit it is.
pub(crate) fn max_chars(
    operation: &'static str,
    field: &'static str,
    value: &str,
    max: usize,
    rule: &str,
) -> Result<(), Error> {
    let count = value.chars().count();
    if count > max {
        return Err(invalid(
            operation,
            field,
            format!("is {count} characters; at most {max} {rule}"),
        ));
    }
    Ok(())
}

/// A weight: from 0 to 1, with at most two decimals.
pub(crate) fn weight(
    operation: &'static str,
    field: &'static str,
    value: f64,
) -> Result<(), Error> {
    if !(0.0..=1.0).contains(&value) {
        return Err(invalid(
            operation,
            field,
            format!("is {value}; it must be from 0 to 1"),
        ));
    }
    if ((value * 100.0).round() - value * 100.0).abs() > 1e-9 {
        return Err(invalid(
            operation,
            field,
            format!("is {value}; it has at most two decimals (e.g. 0.65)"),
        ));
    }
    Ok(())
}

/// A time in seconds: finite and not negative.
pub(crate) fn seconds(
    operation: &'static str,
    field: &'static str,
    value: f64,
) -> Result<(), Error> {
    if !value.is_finite() || value < 0.0 {
        return Err(invalid(
            operation,
            field,
            format!("is {value}; it must be a number of seconds, 0 or more"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(result: Result<(), Error>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn weights_are_from_0_to_1_with_two_decimals() {
        assert!(weight("op", "styleWeight", 0.65).is_ok());
        assert!(weight("op", "styleWeight", 0.0).is_ok());
        assert!(weight("op", "styleWeight", 1.0).is_ok());
        assert!(problem(weight("op", "styleWeight", 1.5)).contains("from 0 to 1"));
        assert!(problem(weight("op", "styleWeight", -0.1)).contains("from 0 to 1"));
        assert!(problem(weight("op", "styleWeight", 0.655)).contains("two decimals"));
        assert!(weight("op", "styleWeight", f64::NAN).is_err());
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let emoji = "🎵".repeat(80);
        assert!(max_chars("op", "title", &emoji, 80, "for every model").is_ok());
        let e = problem(max_chars(
            "op",
            "title",
            &format!("{emoji}x"),
            80,
            "for every model",
        ));
        assert_eq!(
            e,
            "op: `title` is 81 characters; at most 80 for every model; nothing was sent"
        );
    }

    #[test]
    fn callback_urls_are_https_or_plain_http_to_this_machine() {
        assert!(callback_url("op", "https://example.com/hook?t=1", false).is_ok());
        assert!(callback_url("op", "http://127.0.0.1:9/x", false).is_ok());
        assert!(callback_url("op", "http://[::1]:9/x", false).is_ok());
        assert!(callback_url("op", "http://example.com/hook", false).is_err());
        assert!(callback_url("op", "http://example.com/hook", true).is_ok());
        for bad in [
            "",
            "example.com/hook",
            "ftp://example.com",
            "mailto:a@b.c",
            "https://",
        ] {
            assert!(callback_url("op", bad, true).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn required_texts_are_not_blank() {
        assert!(required("op", "prompt", "  \n").is_err());
        assert!(required("op", "prompt", "calm piano").is_ok());
    }
}
