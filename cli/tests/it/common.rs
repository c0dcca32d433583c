//! What the `suno` tests share: the command, with nothing inherited from
//! the environment of whoever runs the tests.

use tokio::process::Command;

/// `suno`, without the caller's key, base URL, callback URL or journal;
/// the journal of commands that create tasks goes under the test target
/// directory, never the user's home.
pub fn suno() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_suno"));
    command
        .env_remove("KIE_API_KEY")
        .env_remove("KIE_BASE_URL")
        .env_remove("KIE_CALLBACK_URL")
        .env_remove("KIE_JOURNAL")
        .env(
            "XDG_DATA_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/cli-data"),
        )
        .kill_on_drop(true);
    command
}
