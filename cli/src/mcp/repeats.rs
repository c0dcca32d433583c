//! Identical create calls a moment apart (an agent's retry loop, a model
//! that calls twice) are one create: the first call's answer is given
//! again, and nothing is sent, unless the call says `new: true`. Keyed by
//! the tool and its arguments (objects in key order), for 10 minutes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long an identical call is answered from the first.
pub const WINDOW: Duration = Duration::from_secs(600);

/// What a create call came to, as a later identical call is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// An identical call is being sent right now.
    Sending,
    /// The task was made.
    Created { task_id: String },
    /// The answer was lost: the task may exist.
    Unknown { message: String },
}

/// The creates of the last [`WINDOW`], by their key.
#[derive(Debug, Default)]
pub struct Repeats {
    seen: Mutex<HashMap<String, (Instant, Answer)>>,
}

impl Repeats {
    /// The answer of an identical call within the window, and how long
    /// ago; `None` when there is none, and the call is now the one being
    /// sent (an identical call meanwhile is told so).
    pub fn claim(&self, key: &str) -> Option<(Duration, Answer)> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, (at, _)| at.elapsed() < WINDOW);
        if let Some((at, answer)) = seen.get(key) {
            return Some((at.elapsed(), answer.clone()));
        }
        seen.insert(key.to_owned(), (Instant::now(), Answer::Sending));
        None
    }

    /// Keeps the answer of a create that may have made a task.
    pub fn keep(&self, key: &str, answer: Answer) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(key.to_owned(), (Instant::now(), answer));
    }

    /// Forgets a claimed call that made no task (refused, or never sent):
    /// an identical call may be sent.
    pub fn forget(&self, key: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.remove(key);
    }
}

/// The key of a call: the tool's name and its arguments with every
/// object's keys in order, so that the same arguments in another order
/// are the same call.
pub fn key(tool: &str, arguments: &serde_json::Map<String, Value>) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<_> = map.keys().collect();
                keys.sort();
                let mut out = serde_json::Map::new();
                for key in keys {
                    out.insert(key.clone(), sorted(&map[key]));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    format!("{tool} {}", sorted(&Value::Object(arguments.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> serde_json::Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_same_arguments_in_another_order_are_the_same_call() {
        let a = key(
            "generate_music",
            &object(json!({"a": 1, "b": {"y": 2, "x": 1}})),
        );
        let b = key(
            "generate_music",
            &object(json!({"b": {"x": 1, "y": 2}, "a": 1})),
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            key(
                "extend_music",
                &object(json!({"a": 1, "b": {"x": 1, "y": 2}}))
            )
        );
        assert_ne!(
            a,
            key(
                "generate_music",
                &object(json!({"a": 2, "b": {"x": 1, "y": 2}}))
            )
        );
    }

    #[test]
    fn an_identical_call_gets_the_first_calls_answer_and_is_not_sent() {
        let repeats = Repeats::default();
        assert_eq!(repeats.claim("k"), None, "the first call is sent");
        let (_, meanwhile) = repeats.claim("k").unwrap();
        assert_eq!(
            meanwhile,
            Answer::Sending,
            "a call while the first is sent waits for it"
        );
        repeats.keep(
            "k",
            Answer::Created {
                task_id: "t1".into(),
            },
        );
        let (ago, answer) = repeats.claim("k").unwrap();
        assert!(ago < WINDOW);
        assert_eq!(
            answer,
            Answer::Created {
                task_id: "t1".into()
            }
        );
        assert_eq!(repeats.claim("other"), None);
    }

    #[test]
    fn a_call_that_made_no_task_is_forgotten() {
        let repeats = Repeats::default();
        assert_eq!(repeats.claim("k"), None);
        repeats.forget("k");
        assert_eq!(
            repeats.claim("k"),
            None,
            "refused: the same call may be sent again"
        );
    }
}
