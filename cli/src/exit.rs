//! How `suno` ends: the exit codes the README's table documents, and the
//! mapping from the library's errors to them. One rule above the others:
//! once a create went out, no failure exits 2 ("nothing was sent"), so
//! that a script that retries on 2 never pays twice.

use kie_suno::Error;

/// A task failed.
pub const TASK_FAILED: u8 = 5;
/// A wait timed out.
pub const TIMED_OUT: u8 = 6;
/// Interrupted (Ctrl-C).
pub const INTERRUPTED: u8 = 130;

/// How a command failed, mapped to the documented exit codes.
#[derive(Debug)]
pub enum Failure {
    /// Usage or configuration: nothing was sent (exit 2).
    Usage(String),
    /// The API refused (exit 3).
    Refused(String),
    /// Transport, HTTP, decoding, a file not saved (exit 4).
    Failed(String),
    /// A create whose answer was lost: the task may exist (exit 7).
    OutcomeUnknown(String),
}

impl Failure {
    pub fn from_error(e: &Error) -> Self {
        let message = e.to_string();
        match e {
            Error::Api { .. } | Error::TaskNotFound { .. } => Failure::Refused(message),
            Error::MissingApiKey
            | Error::InvalidApiKey { .. }
            | Error::InvalidBaseUrl { .. }
            | Error::InvalidTaskId { .. }
            | Error::InvalidRequest { .. }
            | Error::Journal(_)
            | Error::HttpClient { .. } => Failure::Usage(message),
            Error::CreateOutcomeUnknown { .. } => Failure::OutcomeUnknown(message),
            // Http, Decode, Transport, BodyTooLarge, IncompleteAnswer,
            // Download, Internal, and whatever a later kie-suno adds: a
            // failure that may have come after something was sent.
            _ => Failure::Failed(message),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Refused(_) => 3,
            Failure::Failed(_) => 4,
            Failure::OutcomeUnknown(_) => 7,
        }
    }

    pub fn message(&self) -> &str {
        let (Failure::Usage(message)
        | Failure::Refused(message)
        | Failure::Failed(message)
        | Failure::OutcomeUnknown(message)) = self;
        message
    }

    /// This failure after task `task_id` was created: never "nothing was
    /// sent" (2), and the message names the task.
    pub fn after_create(self, task_id: &str) -> Self {
        match self {
            Failure::Usage(message) => Failure::Failed(format!(
                "task {task_id} was created (credits spent); then: {message}"
            )),
            other => other,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::from_error(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kie_suno::download::DownloadError;
    use kie_suno::journal::JournalError;

    fn reqwest_error() -> kie_suno::reqwest::Error {
        kie_suno::reqwest::Client::new()
            .get("not a url")
            .build()
            .expect_err("a bad URL")
    }

    /// One value of every variant of `kie_suno::Error`, by name.
    fn every_error() -> Vec<(&'static str, Error)> {
        let api = || Error::Api {
            code: kie_suno::ApiCode::from(402),
            msg: String::new(),
            retry_after: None,
        };
        vec![
            ("Api", api()),
            (
                "TaskNotFound",
                Error::TaskNotFound {
                    task_id: "t".into(),
                    looked_for: None,
                },
            ),
            (
                "Http",
                Error::Http {
                    status: 502,
                    body_snippet: String::new(),
                    retry_after: None,
                },
            ),
            (
                "Decode",
                Error::Decode {
                    source: serde_json::from_str::<u8>("x").expect_err("not JSON"),
                    body_snippet: String::new(),
                },
            ),
            (
                "Transport",
                Error::Transport {
                    source: reqwest_error(),
                },
            ),
            ("BodyTooLarge", Error::BodyTooLarge { limit: 1 }),
            ("MissingApiKey", Error::MissingApiKey),
            ("InvalidApiKey", Error::InvalidApiKey { reason: "blank" }),
            (
                "InvalidBaseUrl",
                Error::InvalidBaseUrl {
                    url: "x".into(),
                    reason: "y".into(),
                },
            ),
            ("InvalidTaskId", Error::InvalidTaskId { reason: "blank" }),
            (
                "InvalidRequest",
                Error::InvalidRequest {
                    operation: "generate-music",
                    field: "prompt",
                    problem: "is empty".into(),
                },
            ),
            (
                "CreateOutcomeUnknown",
                Error::CreateOutcomeUnknown {
                    operation: "generate-music",
                    callback_url: None,
                    sent_at: chrono::Utc::now(),
                    source: Box::new(api()),
                },
            ),
            (
                "Download",
                Error::Download {
                    file: "https://cdn.example/a.mp3".into(),
                    source: DownloadError::Status { status: 500 },
                },
            ),
            (
                "Journal",
                Error::Journal(JournalError::Store {
                    location: "j".into(),
                    message: "m".into(),
                }),
            ),
            (
                "IncompleteAnswer",
                Error::IncompleteAnswer {
                    operation: "o",
                    problem: "p",
                },
            ),
            (
                "Internal",
                Error::Internal {
                    message: "m".into(),
                },
            ),
            (
                "HttpClient",
                Error::HttpClient {
                    source: reqwest_error(),
                },
            ),
        ]
    }

    /// The README's exit-code table: each code and the variants its row
    /// names (in backticks, as `Error::Name`).
    fn readme_table() -> Vec<(u8, Vec<String>)> {
        let readme = include_str!("../../README.md");
        readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
                let code: u8 = cells.first()?.trim().parse().ok()?;
                let named = cells
                    .get(2)?
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .filter_map(|name| name.strip_prefix("Error::"))
                    .map(str::to_owned)
                    .collect();
                Some((code, named))
            })
            .collect()
    }

    #[test]
    fn every_error_exits_with_the_code_the_readme_gives_it() {
        let table = readme_table();
        assert!(
            table.iter().any(|(code, _)| *code == 130),
            "the table is found: {table:?}"
        );
        for (name, error) in every_error() {
            let code = Failure::from_error(&error).exit_code();
            let rows: Vec<u8> = table
                .iter()
                .filter(|(_, names)| names.iter().any(|n| n == name))
                .map(|(code, _)| *code)
                .collect();
            assert_eq!(
                rows,
                [code],
                "Error::{name} exits {code}; the README's table says {rows:?}"
            );
        }
    }

    #[test]
    fn every_variant_of_the_error_type_is_in_the_table_test() {
        // The variants as error.rs declares them: a new one must be added
        // to every_error() and to the README's table.
        let source = include_str!("../../sdk-ext/src/error.rs");
        let body = source.split("pub enum Error {").nth(1).expect("the enum");
        let body = body.split("\n}\n").next().expect("its end");
        let declared: Vec<&str> = body
            .lines()
            .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
            .map(str::trim)
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|l| l.split([' ', '(', ',', '{']).next().unwrap_or(""))
            .collect();
        let tested: Vec<&str> = every_error().iter().map(|(name, _)| *name).collect();
        assert_eq!(declared, tested);
    }

    #[test]
    fn nothing_after_a_create_exits_two() {
        for (_, error) in every_error() {
            let after = Failure::from_error(&error).after_create("t1");
            assert_ne!(after.exit_code(), 2, "{after:?}");
        }
        let after = Failure::Usage("cannot listen on 127.0.0.1:1".into()).after_create("t1");
        assert!(after.message().contains("t1"), "{after:?}");
    }
}
