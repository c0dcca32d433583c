//! Showing URLs and provider text without their secrets: a URL's query
//! (file hosts sign their links there, callback URLs may carry tokens),
//! fragment and userinfo are dropped wherever a URL is shown: errors,
//! logs, the journal and CLI output. A leaf: it knows nothing of the
//! client.
//!
//! ```
//! use kie_suno::redact;
//! assert_eq!(
//!     redact::url_str("https://u:pw@cdn.example/a.mp3?sig=abc#t"),
//!     "https://cdn.example/a.mp3"
//! );
//! assert_eq!(
//!     redact::text("GET https://cdn.example/a.mp3?sig=abc failed"),
//!     "GET https://cdn.example/a.mp3 failed"
//! );
//! ```

use url::Url;

/// `url` without its query, fragment and userinfo.
pub fn url(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// A URL given as text, without its query, fragment and userinfo; text
/// that is not a URL loses everything from its first `?` or `#`, and
/// anything before an `@` in its authority.
pub fn url_str(text: &str) -> String {
    match Url::parse(text) {
        Ok(parsed) => url(&parsed),
        Err(_) => {
            let cut = text.find(['?', '#']).unwrap_or(text.len());
            let text = &text[..cut];
            match (text.find("://"), text.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    format!("{}{}", &text[..scheme + 3], &text[at + 1..])
                }
                _ => text.to_owned(),
            }
        }
    }
}

/// Free text (an error message, a provider's `msg`) with every URL in it
/// shown as [`url_str`] shows it. Words are split on whitespace and
/// quotes, so a URL quoted in a message is found too.
pub fn text(text: &str) -> String {
    if !text.contains("://") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        // The URL's start: back to the scheme's first letter.
        let scheme_start = rest[..start]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ')'))
            .map_or(rest.len(), |i| start + i);
        out.push_str(&rest[..scheme_start]);
        // A "://" with no scheme before it is no URL, and is cut all the same.
        out.push_str(&url_str(&rest[scheme_start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_fragments_and_userinfo_never_show() {
        for shown in [
            url_str("https://user:secret@host.example/p?token=secret#secret"),
            url_str("not a url://user:secret@x/p?token=secret"),
            text("error sending request for url (https://host.example/p?X-Amz-Signature=secret)"),
            text("callback to \"http://admin:secret@127.0.0.1:9/cb?k=secret\" failed"),
            text("weird ://a:secret@b/c?secret"),
        ] {
            assert!(!shown.contains("secret"), "{shown}");
        }
    }

    #[test]
    fn any_text_is_redacted_without_a_panic() {
        let pieces = [
            "é", "://", "?", "#", "@", "🎵", " ", "\"", "a", "https", ")", "\u{202e}",
        ];
        // Every sequence of up to 4 pieces.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            texts = texts
                .iter()
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
            for text in &texts {
                let _ = super::text(text);
                let _ = url_str(text);
            }
        }
        assert_eq!(super::text("é://u:secret@x/y?z"), "é://x/y");
    }

    #[test]
    fn text_without_urls_is_unchanged() {
        let message = "Uploaded audio matches existing work of art. Why? Nobody knows #1";
        assert_eq!(text(message), message);
        assert_eq!(
            text("see https://kie.ai/docs and then (https://a.example/x?y=1)."),
            "see https://kie.ai/docs and then (https://a.example/x)."
        );
    }
}
