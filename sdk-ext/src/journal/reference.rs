//! A journaled create's reference, carried in the callback URL it sends:
//! `kie_ref=<intent>.<tag>`, the tag a MAC of the intent under the
//! journal's secret key (its first 8 bytes, HMAC-SHA256, as
//! [`Journal::fingerprint`] makes them). The provider posts each callback
//! to the whole URL and echoes the URL in the task's `param`, so a create
//! whose answer was lost is found again when its first callback arrives
//! ([`crate::callback::Receiver::link`]). A reference cannot be made
//! without the key: one that does not verify names no create.
//!
//! Without a webhook key (the sister service signs nothing), a verified
//! reference is also what authenticates a delivery, when the receiver is
//! told so ([`crate::callback::Verifier::url_token`]).

use url::Url;

use super::Journal;

/// The query parameter of a callback URL that holds the reference.
pub const QUERY_KEY: &str = "kie_ref";

/// What the journal's MAC covers, before the intent: a reference's tag is
/// never a fingerprint of some request body.
const DOMAIN: &[u8] = b"kie-suno callback reference\n";

/// The reference of the create `intent` in `journal`.
pub fn issue(journal: &dyn Journal, intent: &str) -> String {
    format!("{intent}.{}", tag(journal, intent))
}

/// The intent `reference` names, if its tag is the one `journal` makes
/// for it (compared in constant time).
pub fn verify(journal: &dyn Journal, reference: &str) -> Option<String> {
    let (intent, tag_given) = reference.split_once('.')?;
    let plain = intent.len() == 32 && intent.bytes().all(|b| b.is_ascii_hexdigit());
    if !plain {
        return None;
    }
    let expected = tag(journal, intent);
    let same = expected.len() == tag_given.len()
        && expected
            .bytes()
            .zip(tag_given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then(|| intent.to_owned())
}

fn tag(journal: &dyn Journal, intent: &str) -> String {
    let mut message = DOMAIN.to_vec();
    message.extend_from_slice(intent.as_bytes());
    journal.fingerprint(&message)
}

/// `url` with `reference` added as its last query parameter.
pub fn add_to(url: &Url, reference: &str) -> Url {
    let mut url = url.clone();
    url.query_pairs_mut().append_pair(QUERY_KEY, reference);
    url
}

/// The reference in a URL's query string (`a=b&kie_ref=...`), if any.
pub fn in_query(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == QUERY_KEY)
        .map(|(_, value)| value.into_owned())
}

/// The reference in a URL, if any.
pub fn in_url(url: &str) -> Option<String> {
    in_query(Url::parse(url).ok()?.query()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{JournalEntry, JournalEvent, JournalFuture};

    /// A journal that only has a key.
    #[derive(Debug)]
    struct Keyed(crate::journal::FingerprintKey);

    impl Journal for Keyed {
        fn record(&self, _: JournalEvent) -> JournalFuture<'_, ()> {
            Box::pin(async { Ok(()) })
        }
        fn fingerprint(&self, body: &[u8]) -> String {
            self.0.fingerprint(body)
        }
        fn entries(&self, _: bool) -> JournalFuture<'_, Vec<JournalEntry>> {
            Box::pin(async { Ok(Vec::new()) })
        }
    }

    const INTENT: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_reference_verifies_under_its_journals_key_only() {
        let journal = Keyed(crate::journal::FingerprintKey::random());
        let reference = issue(&journal, INTENT);
        assert_eq!(verify(&journal, &reference).as_deref(), Some(INTENT));
        let other = Keyed(crate::journal::FingerprintKey::random());
        assert_eq!(verify(&other, &reference), None, "another journal's key");
    }

    #[test]
    fn altered_or_malformed_references_name_no_create() {
        let journal = Keyed(crate::journal::FingerprintKey::random());
        let reference = issue(&journal, INTENT);
        let other_intent = reference.replacen('0', "1", 1);
        let (_, tag) = reference.split_once('.').unwrap();
        for bad in [
            other_intent.as_str(),
            &reference[..reference.len() - 1],
            &format!("{reference}0"),
            INTENT,
            &format!(".{tag}"),
            &format!("../{INTENT}.{tag}"),
            "",
            "é.é",
        ] {
            assert_eq!(verify(&journal, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_reference_rides_in_the_query_and_is_read_back() {
        let url = Url::parse("https://hooks.example.com/suno?team=7").unwrap();
        let with = add_to(&url, "abc.def");
        assert_eq!(
            with.as_str(),
            "https://hooks.example.com/suno?team=7&kie_ref=abc.def"
        );
        assert_eq!(in_url(with.as_str()).as_deref(), Some("abc.def"));
        assert_eq!(in_query("team=7"), None);
    }
}
