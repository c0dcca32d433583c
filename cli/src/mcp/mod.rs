//! `suno mcp`: a Model Context Protocol server, so that AI agents make
//! music with the SDK's guarantees: requests checked against the pages'
//! rules before anything is sent (tool schemas from the request types),
//! every create journaled before it is sent and sent once, identical
//! calls a moment apart answered from the first, a lost answer reported
//! as "the task may exist", waits within the API's limits with progress
//! notifications, files saved whole.
//!
//! Over stdio by default; over Streamable HTTP with `--http ADDR`, on a
//! loopback address unless `--allow-remote` (which needs `--token`).

mod catalog;
mod creates;
mod follow;
mod http;
mod repeats;
mod reply;
mod resources;
mod server;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use rmcp::ServiceExt;

use crate::connection::{ApiOptions, Global, JournalOptions};
use crate::exit::Failure;

/// `suno mcp`'s options.
#[derive(Args)]
pub struct McpArgs {
    /// Serve Streamable HTTP at this address (path /mcp) instead of
    /// stdio; a loopback address unless --allow-remote.
    #[arg(long, value_name = "HOST:PORT")]
    http: Option<SocketAddr>,
    /// With --http: serve on an address other machines reach (needs
    /// --token).
    #[arg(long)]
    allow_remote: bool,
    /// With --http: the bearer token clients must send
    /// (`Authorization: Bearer TOKEN`); a token of your choosing.
    #[arg(long, env = "KIE_MCP_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Where download_task saves files (default: files/ next to the
    /// journal, in the user's data directory).
    #[arg(long, value_name = "DIR")]
    download: Option<PathBuf>,
    /// Where the API posts the tasks' results (required to create).
    #[arg(long, env = "KIE_CALLBACK_URL", hide_env_values = true)]
    callback_url: Option<String>,
    /// Allow a plain http:// callback URL off this machine.
    #[arg(long)]
    allow_insecure_callback: bool,
    #[command(flatten)]
    api: ApiOptions,
    #[command(flatten)]
    journal: JournalOptions,
}

/// Serves until the client goes away (stdio) or until interrupted (HTTP).
pub async fn run(global: &Global, args: McpArgs) -> Result<(), Failure> {
    if let Some(addr) = args.http {
        http::check_address(addr, args.allow_remote, args.token.as_deref())?;
    }
    let conn = global.with(Some(&args.api), Some(&args.journal));
    // The journal is on: every create is written down before it is sent.
    let opened = crate::store::open_store(conn.journal.as_deref()).await?;
    let mut builder = crate::connection::client_builder_on(&conn, Some(&opened))?
        .allow_insecure_callback(args.allow_insecure_callback);
    if let Some(url) = &args.callback_url {
        builder = builder.callback_url(url);
    }
    let client = builder.build()?;
    let download_dir = args.download.unwrap_or_else(|| {
        crate::store::path(conn.journal.as_deref())
            .parent()
            .map_or_else(|| PathBuf::from("files"), |p| p.join("files"))
    });
    let server = server::SunoServer::new(state::State {
        client,
        journal: opened.journal.clone(),
        download_dir,
        repeats: repeats::Repeats::default(),
    });
    match args.http {
        Some(addr) => http::serve(server, addr, args.allow_remote, args.token).await,
        None => {
            let running = server.serve(rmcp::transport::stdio()).await.map_err(|e| {
                Failure::Failed(format!("mcp: the client did not start a session: {e}"))
            })?;
            running
                .waiting()
                .await
                .map(|_| ())
                .map_err(|e| Failure::Failed(format!("mcp: {e}")))
        }
    }
}
