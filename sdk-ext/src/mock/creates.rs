//! How the mock answers create calls and the credits call: the key, the
//! account's create limit, faults, the page's required fields, credits,
//! and then a new task whose lifecycle starts at once.
//!
//! Faults fall on either side of the task: maintenance, server errors,
//! HTTP 500 pages and rate limits refuse before a task is made (as live,
//! where such answers carry no task id), while a cut connection, a
//! truncated body, a proxy's 502 and a slow answer come after the task was
//! made: the client cannot know it exists.

use serde_json::{Value, json};
use tokio::time::Instant;

use super::account::CreateOperation;
use super::api::MockApi;
use super::faults::Fault;
use super::log::Answer;
use super::reply::{Reply, envelope, fault_reply, json, rate_limited};

impl MockApi {
    /// Answers one create request and logs it.
    pub(crate) async fn handle_create(
        &self,
        operation: &'static CreateOperation,
        authorized: bool,
        body: &[u8],
        header_names: Vec<String>,
    ) -> Reply {
        let now = Instant::now();
        let (answer, reply) = self.create(now, operation, authorized, body).await;
        let received = serde_json::from_slice(body).ok();
        self.log_body(
            now,
            operation.name,
            authorized,
            header_names,
            received,
            answer,
        );
        reply
    }

    async fn create(
        &self,
        now: Instant,
        operation: &'static CreateOperation,
        authorized: bool,
        body: &[u8],
    ) -> (Answer, Reply) {
        if !authorized {
            return unauthorized();
        }
        if self.account.over_create_limit(now) {
            return (Answer::RateLimited, rate_limited());
        }
        let fault = self.draw_fault();
        if let Some(fault) = fault.filter(|f| !makes_task_anyway(*f))
            && let Some(reply) = fault_reply(fault)
        {
            return (Answer::Fault(fault), reply);
        }
        let Ok(input) = serde_json::from_slice::<Value>(body) else {
            let body = envelope(422, "the request body is not JSON", Value::Null);
            return (Answer::MissingField("body"), json(body));
        };
        if let Some(field) = operation.missing(&input) {
            let body = envelope(422, &format!("{field} is required"), Value::Null);
            return (Answer::MissingField(field), json(body));
        }
        if !self.account.charge(operation.cost_of(&input)) {
            let body = envelope(
                402,
                "The current credits are insufficient. Please top up.",
                Value::Null,
            );
            return (Answer::InsufficientCredits, json(body));
        }
        let task_id = self.account.new_task_id();
        self.record_made(&task_id, operation, input);
        let made = || Answer::Created {
            task_id: task_id.clone(),
            fault,
        };
        match fault {
            Some(Fault::Slow) => tokio::time::sleep(self.slow_delay()).await,
            Some(fault) => {
                if let Some(reply) = fault_reply(fault) {
                    return (made(), reply);
                }
            }
            None => {}
        }
        let body = envelope(200, "success", json!({ "taskId": task_id }));
        (made(), json(body))
    }

    /// Answers the credits call (`GET /api/v1/chat/credit`) and logs it.
    pub(crate) fn handle_credits(&self, authorized: bool, header_names: Vec<String>) -> Reply {
        let now = Instant::now();
        let (answer, reply) = if authorized {
            let credits = self.account.credits();
            let body = envelope(200, "success", json!(credits));
            (Answer::Credits(credits), json(body))
        } else {
            unauthorized()
        };
        self.log_call(now, "get-account-credits", authorized, header_names, answer);
        reply
    }
}

fn unauthorized() -> (Answer, Reply) {
    let body = envelope(401, "You do not have access permissions", Value::Null);
    (Answer::Unauthorized, json(body))
}

/// Faults that strike after the task was made: the answer is lost, cut or
/// late, not the request.
pub(crate) fn makes_task_anyway(fault: Fault) -> bool {
    matches!(
        fault,
        Fault::CloseMidBody | Fault::MalformedJson | Fault::Http502Html | Fault::Slow
    )
}
