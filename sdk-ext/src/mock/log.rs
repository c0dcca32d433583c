//! The mock's request log: each request as the mock saw it (header names,
//! never their values, so the log holds no key) and what it answered, for
//! tests to assert on.

use std::time::Duration;

use super::faults::Fault;
use crate::status::TaskStatus;

/// What the mock answered to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// The task's record, with this status (for kinds other than music:
    /// `PENDING`, `SUCCESS` or `FAILED`).
    Record(TaskStatus),
    /// The body given to [`MockApi::answer_with`](super::MockApi::answer_with).
    Canned,
    /// The id is not known.
    TaskNotFound,
    /// The bearer key was missing or wrong (401).
    Unauthorized,
    /// No `taskId` in the query (422).
    MissingTaskId,
    /// Over the per-task limit (429).
    RateLimited,
    /// An injected fault.
    Fault(Fault),
    /// A task was made. With a fault, its answer was lost or late (the
    /// connection cut, a proxy's 502, a cut body, a slow answer).
    Created {
        /// The new task's id.
        task_id: String,
        /// The fault that hid or delayed the answer.
        fault: Option<Fault>,
    },
    /// A create lacked a field its page requires (422); no task.
    MissingField(&'static str),
    /// A create the account's credits do not cover (402); no task.
    InsufficientCredits,
    /// The account's credits.
    Credits(i64),
    /// A synchronous call (timestamped lyrics, boost style, persona,
    /// download URL) was answered.
    Answered,
}

/// One request as the mock saw it. Header values are not kept, only names,
/// so the log never holds a key.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// Time since the mock started.
    pub at: Duration,
    /// The operation, as the provider's page names it (`get-music-details`,
    /// `generate-music`, ...).
    pub operation: &'static str,
    /// The decoded `taskId` query parameter.
    pub task_id: Option<String>,
    /// The query string exactly as received.
    pub raw_query: Option<String>,
    /// Names of the headers present, lowercase.
    pub header_names: Vec<String>,
    /// Whether the bearer key matched.
    pub authorized: bool,
    /// The JSON body of a create, as received (`None` for other calls,
    /// and for a body that is not JSON).
    pub body: Option<serde_json::Value>,
    /// What the mock answered.
    pub answer: Answer,
}
