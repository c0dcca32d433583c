//! What the mock replies, before a front end turns it into bytes on a
//! socket ([`super::server`]) or into a client's result
//! ([`super::simulation`]): the API's `{code, msg, data}` envelope, and the
//! replies of the injected faults and of the rate limit.

use serde_json::{Value, json};

use super::faults::Fault;

/// The answer's form, before a front end turns it into bytes on a socket
/// or into a client result.
pub(crate) enum Reply {
    /// HTTP 200 with a JSON body.
    Json {
        body: String,
        retry_after_secs: Option<u64>,
    },
    /// An HTML error page with this HTTP status.
    Html { status: u16 },
    /// HTTP 200 announcing `full` but closing after half of it.
    CloseMidBody { full: String },
}

pub(crate) fn envelope(code: i64, msg: &str, data: Value) -> Value {
    json!({ "code": code, "msg": msg, "data": data })
}

pub(crate) fn json(body: Value) -> Reply {
    Reply::Json {
        body: body.to_string(),
        retry_after_secs: None,
    }
}

/// The reply a fault replaces the normal one with; `None` for a fault that
/// only delays the normal answer.
pub(crate) fn fault_reply(fault: Fault) -> Option<Reply> {
    Some(match fault {
        Fault::Http500Html => Reply::Html { status: 500 },
        Fault::Http502Html => Reply::Html { status: 502 },
        Fault::Maintenance455 => json(envelope(455, "System maintenance in progress", Value::Null)),
        Fault::ServerError500 => json(envelope(
            500,
            "Server error, please try again later",
            Value::Null,
        )),
        Fault::MalformedJson => Reply::Json {
            body: r#"{"code": 200, "msg": "success", "data": {"taskId": "#.to_owned(),
            retry_after_secs: None,
        },
        Fault::CloseMidBody => Reply::CloseMidBody {
            full: envelope(200, "success", json!({ "taskId": "x".repeat(64) })).to_string(),
        },
        Fault::RateLimited => rate_limited(),
        Fault::Slow => return None,
    })
}

/// The answer past the rate limit, real or injected.
pub(crate) fn rate_limited() -> Reply {
    Reply::Json {
        body: envelope(429, "The call frequency is too high", Value::Null).to_string(),
        retry_after_secs: Some(1),
    }
}
