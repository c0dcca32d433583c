//! The API key. It is kept only as a ready-made, sensitive `Authorization`
//! header value: it never shows in `Debug` or `Display`, reqwest redacts it
//! in its own debug output, and there is no accessor that hands it back.

use std::fmt;

use reqwest::header::HeaderValue;

use crate::error::Error;

/// A kie.ai API key (from <https://kie.ai/api-key>).
///
/// ```
/// use kie_suno::ApiKey;
/// let key = ApiKey::new("sk-test-123").unwrap();
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// assert!(ApiKey::new("   ").is_err());
/// ```
#[derive(Clone)]
pub struct ApiKey {
    header: HeaderValue,
}

impl ApiKey {
    /// Checks a key and prepares its header. Surrounding whitespace (a
    /// trailing newline from a file, say) is ignored; an empty key or one
    /// that cannot be sent in a header is refused.
    pub fn new(key: &str) -> Result<Self, Error> {
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::InvalidApiKey {
                reason: "it is empty",
            });
        }
        if key.chars().any(char::is_whitespace) {
            return Err(Error::InvalidApiKey {
                reason: "it contains whitespace",
            });
        }
        let mut header =
            HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| Error::InvalidApiKey {
                reason: "it contains characters that cannot be sent in an HTTP header",
            })?;
        header.set_sensitive(true);
        Ok(ApiKey { header })
    }

    pub(crate) fn authorization(&self) -> HeaderValue {
        self.header.clone()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for ApiKey {
    type Err = Error;
    fn from_str(key: &str) -> Result<Self, Error> {
        ApiKey::new(key)
    }
}
