//! The HTTP client for file hosts: its own connection pool, never the API
//! key, and the redirects it follows: at most 5 hops, never from `https`
//! to plain `http`, never to plain `http` off this machine, and never
//! into a private network or onto a link-local address (cloud metadata
//! services live there) unless the file's own URL was in one. A refused
//! redirect ends the download with
//! [`DownloadError::Redirect`](crate::download::DownloadError::Redirect)
//! saying why.

use std::time::Duration;

use reqwest::redirect::{Attempt, Policy};

use crate::host::{is_loopback, is_private_or_link_local};

/// The most redirects followed for one request.
pub(crate) const MAX_HOPS: usize = 5;

/// Why a redirect was not followed (carried inside reqwest's error).
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// The HTTP client for file hosts: `user_agent`, the redirect policy,
/// and the connect and read timeouts.
pub(crate) fn client(user_agent: &str, connect: Duration, read: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(connect)
        .read_timeout(read)
        .user_agent(user_agent)
        .redirect(policy())
        .build()
        .unwrap_or_default()
}

/// The redirect policy.
fn policy() -> Policy {
    Policy::custom(|attempt| match judge(&attempt) {
        Ok(()) => attempt.follow(),
        Err(reason) => attempt.error(Refused(reason)),
    })
}

fn judge(attempt: &Attempt<'_>) -> Result<(), String> {
    let next = attempt.url();
    let previous = attempt.previous();
    if previous.len() > MAX_HOPS {
        return Err(format!("more than {MAX_HOPS} redirects"));
    }
    let (Some(first), Some(last)) = (previous.first(), previous.last()) else {
        return Ok(());
    };
    let shown = crate::redact::url(next);
    if is_private_or_link_local(next) && !is_private_or_link_local(first) {
        return Err(format!(
            "a redirect into a private network or a link-local address ({shown})"
        ));
    }
    if is_loopback(next) && !is_loopback(first) {
        return Err(format!(
            "a redirect to this machine from a remote host ({shown})"
        ));
    }
    match next.scheme() {
        "https" => {}
        "http" if last.scheme() == "https" => {
            return Err(format!("a redirect from https to plain http ({shown})"));
        }
        "http" if !is_loopback(next) => {
            return Err(format!(
                "a redirect to plain http off this machine ({shown})"
            ));
        }
        "http" => {}
        other => return Err(format!("a redirect to a {other}: URL")),
    }
    Ok(())
}

/// What a refused redirect's error says, without its URLs' secrets.
pub(crate) fn reason(error: &reqwest::Error) -> String {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return refused.0.clone();
        }
        source = cause.source();
    }
    crate::redact::text(&error.to_string())
}
