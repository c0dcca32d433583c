//! How the mock answers the calls that answer at once: timestamped lyrics,
//! boost style and persona (the last two spend credits), and download URL.

use serde_json::{Value, json};
use tokio::time::Instant;

use super::api::MockApi;
use super::creates::makes_task_anyway;
use super::faults::Fault;
use super::log::Answer;
use super::reply::{Reply, envelope, fault_reply, json};

/// The synchronous operations the mock answers: path, name, cost.
pub(crate) const CALLS: &[(&str, &str, i64)] = &[
    (
        "/api/v1/generate/get-timestamped-lyrics",
        "get-timestamped-lyrics",
        0,
    ),
    ("/api/v1/style/generate", "boost-music-style", 1),
    ("/api/v1/generate/generate-persona", "generate-persona", 5),
    ("/api/v1/common/download-url", "download-url", 0),
];

impl MockApi {
    /// Answers one synchronous call and logs it.
    pub(crate) fn handle_call(
        &self,
        (_, operation, cost): (&str, &'static str, i64),
        authorized: bool,
        body: &[u8],
        header_names: Vec<String>,
    ) -> Reply {
        let now = Instant::now();
        let (answer, reply) = self.call(operation, cost, authorized, body);
        self.log_call(now, operation, authorized, header_names, answer);
        reply
    }

    fn call(&self, operation: &str, cost: i64, authorized: bool, body: &[u8]) -> (Answer, Reply) {
        if !authorized {
            let body = envelope(401, "You do not have access permissions", Value::Null);
            return (Answer::Unauthorized, json(body));
        }
        // As for creates: some faults refuse the call, others lose the
        // answer after the work was done (and paid for).
        let fault = self.draw_fault();
        if let Some(fault) = fault.filter(|f| !makes_task_anyway(*f))
            && let Some(reply) = fault_reply(fault)
        {
            return (Answer::Fault(fault), reply);
        }
        let (answer, reply) = self.answer_call(operation, cost, body);
        match fault.filter(|_| matches!(answer, Answer::Answered)) {
            Some(Fault::Slow) | None => (answer, reply),
            Some(fault) => (Answer::Fault(fault), fault_reply(fault).unwrap_or(reply)),
        }
    }

    fn answer_call(&self, operation: &str, cost: i64, body: &[u8]) -> (Answer, Reply) {
        let input: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let text = |key: &str| {
            input
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let required: &[&str] = match operation {
            "get-timestamped-lyrics" => &["taskId", "audioId"],
            "boost-music-style" => &["content"],
            "generate-persona" => &["taskId", "audioId", "name", "description"],
            _ => &["url"],
        };
        if let Some(field) = required.iter().find(|f| text(f).is_empty()) {
            let body = envelope(422, &format!("{field} is required"), Value::Null);
            return (Answer::MissingField(field), json(body));
        }
        if !self.account.charge(cost) {
            let body = envelope(
                402,
                "The current credits are insufficient. Please top up.",
                Value::Null,
            );
            return (Answer::InsufficientCredits, json(body));
        }
        let data = match operation {
            "get-timestamped-lyrics" => json!({
                "alignedWords": [
                    { "word": "[Verse]\nQuiet", "success": true, "startS": 1.2, "endS": 1.6, "palign": 0 },
                    { "word": "keys", "success": true, "startS": 1.6, "endS": 2.1, "palign": 0 },
                ],
                "waveformData": [0.0, 0.4, 0.8, 0.3],
                "hootCer": 0.05,
                "isStreamed": false,
            }),
            "boost-music-style" => json!({
                "taskId": self.account.new_task_id(),
                "param": input.to_string(),
                "result": format!("{}, layered synths, airy vocals, slow build", text("content")),
                "creditsConsumed": cost,
                "creditsRemaining": self.account.credits(),
                "successFlag": "1",
            }),
            "generate-persona" => json!({
                "personaId": format!("persona-{}", self.account.new_task_id()),
                "name": text("name"),
                "description": text("description"),
            }),
            _ => json!(self.download_link(&text("url"))),
        };
        (Answer::Answered, json(envelope(200, "success", data)))
    }
}

impl MockApi {
    /// The temporary link the download URL call gives for a file: the
    /// file's last path segment under `/signed/` of the mock's link base
    /// ([`MockBuilder::download_links`](super::MockBuilder::download_links)).
    fn download_link(&self, file: &str) -> String {
        let name = url::Url::parse(file)
            .ok()
            .and_then(|u| u.path_segments()?.next_back().map(str::to_owned))
            .unwrap_or_default();
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let base = self
            .download_base
            .get()
            .map_or(super::api::FILES, String::as_str);
        format!("{}/signed/{name}", base.trim_end_matches('/'))
    }
}
