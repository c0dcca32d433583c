//! `suno`: inspect kie.ai Suno music tasks, or run a local mock of the API.
//!
//! Exit codes: 0 success, 2 usage or configuration, 3 the API refused
//! (an error code, an unknown task), 4 transport, HTTP or decoding failure.
#![forbid(unsafe_code)]

mod output;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kie_suno::mock::{Faults, MockServer, Script};
use kie_suno::{ApiKey, Client, Error};

#[derive(Parser)]
#[command(name = "suno", version, about = "Inspect kie.ai Suno music tasks")]
struct Cli {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Connection {
    /// The API's base URL.
    #[arg(long, global = true, env = "KIE_BASE_URL", default_value = kie_suno::DEFAULT_BASE_URL)]
    base_url: String,
    /// The kie.ai API key.
    #[arg(long, global = true, env = "KIE_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Show a task: status, operation, model and each track.
    Task {
        /// The task id.
        task_id: String,
        /// Print the record as one JSON object (snake_case fields).
        #[arg(long)]
        json: bool,
    },
    /// Run a mock of the API on 127.0.0.1 in the foreground.
    Mock(MockArgs),
}

#[derive(Args)]
struct MockArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The key the mock accepts.
    #[arg(long, default_value = kie_suno::mock::DEFAULT_KEY)]
    key: String,
    /// A task and its lifecycle, e.g. `t1:TEXT_SUCCESS@2s,FIRST_SUCCESS@5s,SUCCESS@12s`.
    #[arg(long = "task", value_name = "ID:SCRIPT", value_parser = parse_task)]
    tasks: Vec<(String, Script)>,
    /// Share of requests answered with an injected fault (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Seed of the fault generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn parse_task(text: &str) -> Result<(String, Script), String> {
    let (id, script) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?}: expected ID:SCRIPT"))?;
    if id.is_empty() {
        return Err(format!("{text:?}: the task id is empty"));
    }
    Ok((id.to_owned(), script.parse().map_err(|e| format!("{e}"))?))
}

/// How the command ended, mapped to the documented exit codes.
enum Failure {
    Usage(String),
    Refused(String),
    Failed(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        match e {
            Error::Api { .. } | Error::TaskNotFound { .. } => Failure::Refused(message),
            Error::Http { .. }
            | Error::Decode { .. }
            | Error::Transport { .. }
            | Error::Internal { .. } => Failure::Failed(message),
            _ => Failure::Usage(message),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Task { task_id, json } => task(&cli.conn, &task_id, json).await,
        Command::Mock(args) => mock(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (code, message) = match failure {
                Failure::Usage(m) => (2, m),
                Failure::Refused(m) => (3, m),
                Failure::Failed(m) => (4, m),
            };
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn client(conn: &Connection) -> Result<Client, Failure> {
    let key = conn.api_key.as_deref().ok_or(Error::MissingApiKey)?;
    Ok(Client::builder()
        .api_key(ApiKey::new(key)?)
        .base_url(&conn.base_url)
        .build()?)
}

async fn task(conn: &Connection, task_id: &str, json: bool) -> Result<(), Failure> {
    let record = client(conn)?.task(task_id).await?;
    if json {
        println!("{}", output::json_line(&record));
    } else {
        print!("{}", output::summary(&record));
    }
    Ok(())
}

async fn mock(args: MockArgs) -> Result<(), Failure> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(Failure::Usage(format!(
            "--fault-rate {} is not between 0 and 1",
            args.fault_rate
        )));
    }
    let server = MockServer::builder()
        .port(args.port)
        .api_key(&args.key)
        .faults(Faults::at_rate(args.fault_rate, args.seed))
        .start()
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    println!("mock kie.ai API listening on {}", server.url());
    println!(
        "  export KIE_BASE_URL={} KIE_API_KEY={}",
        server.url(),
        server.api_key()
    );
    for (id, script) in args.tasks {
        println!("  task {id}: {script}");
        server.add_task(id, script);
    }
    println!("press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Failed(format!("cannot wait for Ctrl-C: {e}")))?;
    println!(
        "served {} requests, {} over the rate limit",
        server.requests().len(),
        server.rate_violations()
    );
    Ok(())
}
