//! What a tool answers: structured content an agent can use, with a
//! one-paragraph summary as text; errors in MCP's tool-error shape, with
//! the SDK's message and whether trying again can help.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

/// A result: `structured` for programs, `summary` for the model.
pub fn done(summary: impl Into<String>, structured: Value) -> CallToolResult {
    let mut result = CallToolResult::structured(structured);
    result.content = vec![ContentBlock::text(summary)];
    result
}

/// A tool error: `message` says what was wrong; `retry_can_help` whether
/// the same call may succeed later (a timeout, a rate limit), as against
/// one that needs other arguments or settings.
pub fn failed(message: impl Into<String>, retry_can_help: bool) -> CallToolResult {
    failed_with(message, retry_can_help, json!({}))
}

/// A tool error with more structured fields (`extra` is an object).
pub fn failed_with(
    message: impl Into<String>,
    retry_can_help: bool,
    extra: Value,
) -> CallToolResult {
    let message = message.into();
    let mut structured = json!({ "error": message, "retry_can_help": retry_can_help });
    if let (Some(fields), Value::Object(extra)) = (structured.as_object_mut(), extra) {
        fields.extend(extra);
    }
    let mut result = CallToolResult::structured_error(structured);
    result.content = vec![ContentBlock::text(message)];
    result
}

/// Arguments that do not fit the tool's input: nothing was done.
pub fn bad_arguments(tool: &str, problem: impl std::fmt::Display) -> CallToolResult {
    failed_with(
        format!("{tool}: invalid arguments: {problem}; nothing was sent and no credits were spent"),
        false,
        json!({ "credits_spent": false }),
    )
}

/// An SDK error as a tool error.
pub fn sdk_error(tool: &str, error: &kie_suno::Error) -> CallToolResult {
    let spent = match error {
        kie_suno::Error::InvalidRequest { .. } | kie_suno::Error::MissingApiKey => json!(false),
        _ => Value::Null,
    };
    failed_with(
        format!("{tool}: {error}"),
        error.is_retryable(),
        json!({ "credits_spent": spent }),
    )
}
