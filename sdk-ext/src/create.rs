//! Sending a create request: the rules every create call follows, whatever
//! its family. Creating costs credits and is not idempotent (no
//! idempotency key, no "list my tasks"), so a create is sent again only
//! when the API surely made no task: the connection failed before the
//! request went out, or the answer said rate limit or maintenance. Any
//! other failure after sending is [`Error::CreateOutcomeUnknown`], never a
//! retry. Every attempt first waits for a turn under the account's create
//! limit ([`crate::CreateLimit`]), held until its answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::generated::{ClientInfo, ResponseValue};

use crate::client::{Client, from_generated, retry_after};
use crate::codes::ApiCode;
use crate::envelope::{self, CreateAnswer};
use crate::error::Error;
use crate::generated;
use crate::handle::TaskHandle;
use crate::journal::{self, CreateOutcome, JournalEvent, SharedCreateLimit, reference};
use crate::kind::TaskKind;
use crate::limit::CreateLimit;
use crate::wait::Family;

/// Attempts of one create, the first included, when every refusal is a
/// rate limit or maintenance.
pub(crate) const MAX_CREATE_ATTEMPTS: u32 = 5;
/// The longest wait between attempts, whatever `Retry-After` says.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// What a failed attempt means for the task.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The API made no task, and may make one if asked again.
    NoTaskRetry,
    /// The API made no task; asking again would be refused again.
    NoTask,
    /// The API may have made a task.
    Unknown,
}

fn outcome(error: &Error) -> Outcome {
    match error {
        Error::Api { code, .. } if code.is_rate_limit() || *code == ApiCode::Maintenance => {
            Outcome::NoTaskRetry
        }
        // The API answered with a refusal: no task id, no task.
        Error::Api { .. } => Outcome::NoTask,
        Error::Transport { source } if source.is_connect() => Outcome::NoTaskRetry,
        // A proxy refused to pass the request on for going too fast.
        Error::Http { status: 429, .. } => Outcome::NoTaskRetry,
        // A gateway error or timeout: the API may have been reached.
        Error::Http { status, .. } if *status >= 500 || *status == 408 => Outcome::Unknown,
        // Any other status comes from a proxy that did not pass it on.
        Error::Http { .. } => Outcome::NoTask,
        // Sent, then a timeout, a cut, or an answer too long or unreadable.
        Error::Transport { .. } | Error::BodyTooLarge { .. } | Error::Decode { .. } => {
            Outcome::Unknown
        }
        _ => Outcome::NoTask,
    }
}

/// What a create is, for the rules and the journal.
pub(crate) struct Create<'a> {
    /// Its own id in the journal.
    pub(crate) intent: String,
    pub(crate) kind: TaskKind,
    pub(crate) operation: &'static str,
    pub(crate) callback_url: &'a str,
    /// The request body's fingerprint ([`crate::journal::fingerprint`]).
    pub(crate) fingerprint: String,
}

/// Sends one create through `call` (the generated operation with its
/// body) under the rules above, and returns the new task's id. With a
/// journal, the create is written down first (not sent if that fails),
/// and its outcome after.
pub(crate) async fn send<A, F, Fut>(
    client: &Client,
    create: Create<'_>,
    call: F,
) -> Result<String, Error>
where
    A: CreateAnswer,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ResponseValue<A>, generated::Error<()>>>,
{
    let events = client.events();
    let intent = create.intent.clone();
    let started = JournalEvent::CreateStarted {
        intent: intent.clone(),
        kind: create.kind,
        operation: create.operation.to_owned(),
        fingerprint: create.fingerprint.clone(),
    };
    events.record(started).await.map_err(Error::Journal)?;
    let paid = Paid {
        operation: create.operation,
        callback_url: Some(create.callback_url),
        open: envelope::open_created::<A>,
        missing: "success, without the new task's id",
    };
    let result = send_paid(client, paid, call).await;
    let outcome = match &result {
        Ok(task_id) => CreateOutcome::Created {
            task_id: task_id.clone(),
        },
        Err(e @ Error::CreateOutcomeUnknown { .. }) => CreateOutcome::Unknown {
            reason: e.to_string(),
        },
        Err(e) => CreateOutcome::Refused {
            reason: e.to_string(),
        },
    };
    let finished = JournalEvent::CreateFinished { intent, outcome };
    if let Err(e) = events.record_or_keep(finished).await {
        // The caller still gets the task id; the outcome is kept in
        // memory and written again until the journal takes it.
        let task = result.as_deref().unwrap_or("unknown");
        tracing::error!(error = %e, task, "could not journal a create's outcome; kept in memory and retried");
    }
    result
}

/// A call that costs credits: how to read its answer.
pub(crate) struct Paid<'a, A, T> {
    pub(crate) operation: &'static str,
    /// Where a task it makes reports, if it makes one.
    pub(crate) callback_url: Option<&'a str>,
    /// The envelope's result: `Ok(None)` is a success without it.
    pub(crate) open: fn(A, Option<Duration>) -> Result<Option<T>, Error>,
    /// What a success without a result lacks, for the error.
    pub(crate) missing: &'static str,
}

/// Sends one paid call (a create, or a synchronous call that costs
/// credits) under the rules above.
pub(crate) async fn send_paid<A, T, F, Fut>(
    client: &Client,
    paid: Paid<'_, A, T>,
    mut call: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ResponseValue<A>, generated::Error<()>>>,
{
    let Paid {
        operation,
        callback_url,
        open,
        missing,
    } = paid;
    let max_body_bytes = client.generated().inner().max_body_bytes;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let turn = client.create_limiter().turn().await;
        let shared_turn = SharedTurn::take(client).await?;
        let sent_at = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
        let answer = call().await;
        // Answered (or failed): the API has seen the create, if ever.
        drop(turn);
        shared_turn.end().await;
        let error = match answer {
            Ok(answer) => {
                let hint = retry_after(answer.headers());
                match open(answer.into_inner(), hint) {
                    Ok(Some(result)) => {
                        tracing::debug!(operation, attempt, "paid call answered");
                        return Ok(result);
                    }
                    Ok(None) => {
                        let source = Error::IncompleteAnswer {
                            operation,
                            problem: missing,
                        };
                        return Err(unknown(operation, callback_url, sent_at, source));
                    }
                    Err(error) => error,
                }
            }
            Err(error) => from_generated(error, max_body_bytes).await,
        };
        match outcome(&error) {
            Outcome::NoTaskRetry if attempt < MAX_CREATE_ATTEMPTS => {
                let delay = retry_delay(attempt, error.retry_after());
                tracing::debug!(operation, attempt, error = %error, delay_ms = delay.as_millis() as u64, "create refused; no task was made; retrying");
                tokio::time::sleep(delay).await;
            }
            Outcome::NoTaskRetry | Outcome::NoTask => return Err(error),
            Outcome::Unknown => return Err(unknown(operation, callback_url, sent_at, error)),
        }
    }
}

/// A create's turn from the client's shared create limit, if it has one:
/// ended once the create is answered, or, if the create is dropped
/// first, as it is dropped (outside a runtime it is not ended, and counts
/// until the store gives up on it).
struct SharedTurn(Option<(Arc<dyn SharedCreateLimit>, CreateLimit)>);

impl SharedTurn {
    /// Fails only when the store cannot be reached: the create is then
    /// not sent.
    async fn take(client: &Client) -> Result<SharedTurn, Error> {
        let Some((shared, limit)) = client.shared_create_limit() else {
            return Ok(SharedTurn(None));
        };
        shared.take_turn(*limit).await.map_err(Error::Journal)?;
        Ok(SharedTurn(Some((shared.clone(), *limit))))
    }

    async fn end(mut self) {
        if let Some((shared, limit)) = self.0.take() {
            end_shared_turn(shared, limit).await;
        }
    }
}

impl Drop for SharedTurn {
    fn drop(&mut self) {
        if let (Some((shared, limit)), Ok(runtime)) =
            (self.0.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(end_shared_turn(shared, limit));
        }
    }
}

/// A turn the store could not end counts until it gives up on it
/// (slower, never over the limit).
async fn end_shared_turn(shared: Arc<dyn SharedCreateLimit>, limit: CreateLimit) {
    if let Err(e) = shared.end_turn(limit).await {
        tracing::warn!(error = %e, "could not end a create's shared turn; it counts until the store gives up on it");
    }
}

fn unknown(
    operation: &'static str,
    callback_url: Option<&str>,
    sent_at: chrono::DateTime<chrono::Utc>,
    source: Error,
) -> Error {
    tracing::warn!(operation, error = %source, "create outcome unknown; not retried");
    Error::CreateOutcomeUnknown {
        operation,
        // Without its query or userinfo: errors are logged, Debug too.
        callback_url: callback_url.map(crate::redact::url_str),
        sent_at,
        source: Box::new(source),
    }
}

/// 1 s, 2 s, 4 s, ... or the server's `Retry-After`, whichever is longer,
/// at most [`MAX_RETRY_DELAY`].
fn retry_delay(attempt: u32, hint: Option<Duration>) -> Duration {
    let backoff = Duration::from_secs(1 << attempt.saturating_sub(1).min(5));
    backoff.max(hint.unwrap_or_default()).min(MAX_RETRY_DELAY)
}

/// A whole create of family `F`: the callback URL resolved (with the
/// create's [reference](crate::journal::reference) added when the client
/// has a journal), the request checked and made into its body by
/// `into_body`, sent through `send` under the rules above (journaled when
/// the client has a journal), and the new task's handle.
pub(crate) async fn create_task<F, B, A, Fut>(
    client: &Client,
    operation: &'static str,
    own_callback_url: Option<String>,
    into_body: impl FnOnce(&url::Url) -> Result<B, Error>,
    send: impl Fn(B) -> Fut,
) -> Result<TaskHandle<F>, Error>
where
    F: Family,
    B: Clone + serde::Serialize,
    A: CreateAnswer,
    Fut: Future<Output = Result<ResponseValue<A>, generated::Error<()>>>,
{
    let plain = callback_url(client, operation, own_callback_url.as_deref())?;
    let intent = journal::new_intent();
    let callback = match client.journal() {
        Some(journal) => reference::add_to(&plain, &reference::issue(journal.as_ref(), &intent)),
        None => plain.clone(),
    };
    let body = into_body(&callback)?;
    let create = Create {
        intent,
        kind: F::KIND,
        operation,
        callback_url: callback.as_str(),
        fingerprint: client
            .journal()
            .map(|j| j.fingerprint(&request_json_without_reference(&body, &callback, &plain)))
            .unwrap_or_default(),
    };
    let task_id = self::send(client, create, || send(body.clone())).await?;
    Ok(TaskHandle::created(client, task_id))
}

/// The JSON a create's fingerprint is taken of: the body as sent, its
/// callback URL without the reference (which is new on every create), so
/// that the same request has the same fingerprint each time. URLs need no
/// escaping in JSON, so the URL is found in the text as it is.
fn request_json_without_reference(
    body: &impl serde::Serialize,
    sent: &url::Url,
    plain: &url::Url,
) -> Vec<u8> {
    let json = journal::request_json(body);
    match String::from_utf8(json) {
        Ok(text) => text.replace(sent.as_str(), plain.as_str()).into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

/// The callback URL of a create: the request's own, else the client's
/// default; never one the user did not give.
pub(crate) fn callback_url(
    client: &Client,
    operation: &'static str,
    own: Option<&str>,
) -> Result<url::Url, Error> {
    match (own, client.callback_url()) {
        (Some(url), _) => {
            crate::validate::callback_url(operation, url, client.allows_insecure_callback())
        }
        (None, Some(url)) => Ok(url.clone()),
        (None, None) => Err(Error::InvalidRequest {
            operation,
            field: "callBackUrl",
            problem: "is required by the API, which posts the task's results to it; name one \
                      on the request or with ClientBuilder::callback_url (KIE_CALLBACK_URL)"
                .to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64) -> Error {
        Error::Api {
            code: ApiCode::from(code),
            msg: String::new(),
            retry_after: None,
        }
    }

    fn http(status: u16) -> Error {
        Error::Http {
            status,
            body_snippet: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn only_answers_that_made_no_task_are_retried() {
        for code in [429, 405, 430, 455] {
            assert_eq!(outcome(&api(code)), Outcome::NoTaskRetry, "code {code}");
        }
        for code in [401, 402, 413, 422, 433, 451, 500, 501, 505] {
            assert_eq!(outcome(&api(code)), Outcome::NoTask, "code {code}");
        }
        assert_eq!(outcome(&http(429)), Outcome::NoTaskRetry);
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(outcome(&http(status)), Outcome::Unknown, "HTTP {status}");
        }
        assert_eq!(outcome(&http(403)), Outcome::NoTask);
        assert_eq!(outcome(&Error::BodyTooLarge { limit: 1 }), Outcome::Unknown);
    }

    #[test]
    fn retry_delays_grow_and_honour_the_server_within_a_cap() {
        assert_eq!(retry_delay(1, None), Duration::from_secs(1));
        assert_eq!(retry_delay(3, None), Duration::from_secs(4));
        assert_eq!(
            retry_delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            retry_delay(1, Some(Duration::from_secs(600))),
            MAX_RETRY_DELAY
        );
    }
}
