//! `suno`: make music with the kie.ai Suno API, follow the tasks to the
//! end, or run a local mock of the API.
//!
//! Exit codes: the README's table, kept in [`exit`].
#![forbid(unsafe_code)]

#[macro_use]
mod printing;
mod connection;
mod create;
mod demo;
mod download;
mod drift;
mod duration;
mod exit;
mod journal;
mod kinds;
mod listen;
mod mcp;
mod output;
mod store;
mod wait;
mod worker;

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use kie_suno::mock::{Faults, KindScript, MockServer, Script};
use kie_suno::wait::Family;

use connection::{ApiOptions, Connection, Global, JournalOptions, Journaling, client};
use exit::Failure;
use kinds::{Kind, Stages, Until};
use output::Show;

#[derive(Parser)]
#[command(
    name = "suno",
    version,
    about = "Make music with the kie.ai Suno API and follow its tasks to the end"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a music task: from a description (--prompt), or in custom
    /// mode (--style and --title, with lyrics from --prompt or
    /// --lyrics-file, or --instrumental). Costs credits.
    Generate(create::GenerateArgs),
    /// Extend a track (by its audio id). Costs credits.
    Extend(create::ExtendArgs),
    /// Write lyrics from a description. Costs credits.
    Lyrics(create::LyricsArgs),
    /// Convert a track to WAV. Costs credits.
    Wav(create::TrackArgs),
    /// Separate a track's vocals (or, with --split-stems, up to 12 stems).
    /// Costs credits, again for a track already separated.
    Separate(create::SeparateArgs),
    /// Save the files a task made (audio and cover images; WAV, video,
    /// stems, covers for the other kinds) into a directory; one line per
    /// file (path, bytes). Files already there are skipped.
    Download {
        /// The task id.
        task_id: String,
        /// The kind of task.
        #[arg(long, value_enum, default_value = "music")]
        kind: Kind,
        /// Where to save the files (created if missing).
        #[arg(long, default_value = ".")]
        dir: std::path::PathBuf,
        /// One JSON object per file: path, bytes, already_there.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        api: ApiOptions,
        #[command(flatten)]
        journaling: Journaling,
    },
    /// List the journal's tasks, unfinished first, with their last known
    /// status (creates whose outcome is unknown included).
    Tasks {
        /// Finished tasks too.
        #[arg(long)]
        all: bool,
        /// One JSON object per task.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        journal: JournalOptions,
    },
    /// Wait for every unfinished task in the journal (and download its
    /// files with --download), printing what `suno wait` prints.
    Resume {
        /// Save each task's files here.
        #[arg(long, value_name = "DIR")]
        download: Option<std::path::PathBuf>,
        /// One JSON record per task.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        api: ApiOptions,
        #[command(flatten)]
        journal: JournalOptions,
    },
    /// Work through the journal's unfinished tasks with other workers:
    /// claim them under a lease, wait (on callbacks with --listen), save
    /// their files (--download), report each once as a JSON line. Runs
    /// until interrupted; run several, on one PostgreSQL journal.
    Worker(worker::WorkerArgs),
    /// Show the account's credits.
    Credits {
        /// Print `{"credits": N}`.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        api: ApiOptions,
        #[command(flatten)]
        journaling: Journaling,
    },
    /// Print what the API's answers held that its description does not
    /// say: of the balance and the named tasks; with no task named, the
    /// journal's drift table, which every command adds to (--json: the
    /// report `cargo xtask drift` turns into proposed fix-ups).
    Drift {
        /// Task ids to look at.
        task_ids: Vec<String>,
        /// Their kind.
        #[arg(long, value_enum, default_value = "music")]
        kind: Kind,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        api: ApiOptions,
        #[command(flatten)]
        journaling: Journaling,
    },
    /// Show a task: its status and results (for music: operation, model and
    /// each track).
    Task {
        /// The task id.
        task_id: String,
        /// The kind of task (the id alone does not say).
        #[arg(long, value_enum, default_value = "music")]
        kind: Kind,
        /// Print the record as one JSON object (snake_case fields).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        api: ApiOptions,
        #[command(flatten)]
        journaling: Journaling,
    },
    /// Wait for tasks, a progress line each; print each result as it completes.
    Wait {
        /// The task ids.
        #[arg(required = true)]
        task_ids: Vec<String>,
        /// The kind of the tasks.
        #[arg(long, value_enum, default_value = "music")]
        kind: Kind,
        /// How far the tasks must get (streamable: music only).
        #[arg(long, value_enum, default_value = "complete")]
        until: Until,
        /// The longest to wait for each task (e.g. 90s, 10m).
        #[arg(long, default_value = "10m", value_parser = crate::duration::parse)]
        timeout: Duration,
        /// How long a task the API does not know is looked for (default 30
        /// s; 3 minutes from its create for a task this journal created).
        #[arg(long, value_parser = crate::duration::parse)]
        not_found_grace: Option<Duration>,
        /// Print each result as one JSON object per line, in completion order.
        #[arg(long)]
        json: bool,
        /// Wake on the provider's callbacks arriving at this address (the
        /// public callback URL may differ behind a proxy); poll only to
        /// confirm them, and every 30 s in case one is lost.
        #[arg(long, value_name = "HOST:PORT")]
        listen: Option<std::net::SocketAddr>,
        /// With --listen: accept unsigned callbacks (no KIE_WEBHOOK_HMAC_KEY).
        #[arg(long, requires = "listen")]
        insecure_no_verify: bool,
        #[command(flatten)]
        api: ApiOptions,
        #[command(flatten)]
        journaling: Journaling,
    },
    /// See the whole flow without a key: wait for a task on a built-in mock API.
    Demo {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a mock of the API on 127.0.0.1 in the foreground.
    Mock(MockArgs),
    /// Serve the tools to AI agents over the Model Context Protocol
    /// (stdio, or Streamable HTTP with --http): create (costs credits),
    /// wait with progress, download, list the journal. Every create is
    /// journaled before it is sent.
    Mcp(mcp::McpArgs),
    /// Receive callbacks: print each verified one as a JSON line
    /// (task_id, kind, stage, code); refuse forged or stale ones. The key
    /// comes from KIE_WEBHOOK_HMAC_KEY. With a journal named (--journal,
    /// KIE_JOURNAL), a callback of a create whose answer was lost puts its
    /// task in the journal.
    Listen {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: std::net::SocketAddr,
        /// Accept unsigned callbacks from anyone (accounts without a webhook key).
        #[arg(long)]
        insecure_no_verify: bool,
        /// Without a webhook key: accept only callbacks whose URL carries a
        /// create reference of the journal (the sister service signs nothing).
        #[arg(long, conflicts_with = "insecure_no_verify")]
        url_token: bool,
        #[command(flatten)]
        api: ApiOptions,
        #[command(flatten)]
        journal: JournalOptions,
    },
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
    /// What each music task a create makes plays, e.g.
    /// `TEXT_SUCCESS@2s,FIRST_SUCCESS@6s,SUCCESS@15s` (default: lyrics at
    /// 2.25 s, a stream at 6 s, done at 15 s: the live shape in seconds;
    /// `TEXT_SUCCESS@20s,FIRST_SUCCESS@40s,SUCCESS@150s` is closer to live
    /// timing).
    #[arg(long, value_name = "SCRIPT", value_parser = parse_script)]
    created_lifecycle: Option<Script>,
    /// How long a task of another kind (lyrics, WAV, stems, MIDI, video,
    /// cover) a create makes takes to finish.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration::parse)]
    created_others_after: std::time::Duration,
    /// Share of requests answered with an injected fault (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Seed of the fault generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn parse_script(text: &str) -> Result<Script, String> {
    text.parse().map_err(|e| format!("{e}"))
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.global.verbose {
        log_to_stderr();
    }
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(failure) => report(failure),
    }
}

/// Runs the command given; its exit code, or why it failed.
async fn run(cli: Cli) -> Result<u8, Failure> {
    let g = &cli.global;
    match cli.command {
        Command::Generate(args) => create::generate(&args.create.connection(g), args).await,
        Command::Extend(args) => create::extend(&args.create.connection(g), args).await,
        Command::Lyrics(args) => create::lyrics(&args.create.connection(g), args).await,
        Command::Wav(args) => create::wav(&args.create.connection(g), args).await,
        Command::Separate(args) => create::separate(&args.track.create.connection(g), args).await,
        Command::Worker(args) => worker::run(&args.connection(g), args).await,
        Command::Credits {
            json,
            api,
            journaling,
        } => credits(&g.journaling(&api, &journaling), json)
            .await
            .map(|()| 0),
        Command::Drift {
            task_ids,
            kind,
            json,
            api,
            journaling,
        } => match client(&g.journaling(&api, &journaling)).await {
            Ok(client) => drift::run(&client, &task_ids, kind, json).await,
            Err(e) => Err(e),
        },
        Command::Tasks { all, json, journal } => {
            journal::tasks(&g.with(None, Some(&journal)), all, json).await
        }
        Command::Resume {
            download,
            json,
            api,
            journal,
        } => journal::resume(&g.with(Some(&api), Some(&journal)), download, json).await,
        Command::Download {
            task_id,
            kind,
            dir,
            json,
            api,
            journaling,
        } => {
            let conn = g.journaling(&api, &journaling);
            kinds::for_kind!(kind, F => download::<F>(&conn, &task_id, &dir, json).await)
        }
        Command::Task {
            task_id,
            kind,
            json,
            api,
            journaling,
        } => {
            let conn = g.journaling(&api, &journaling);
            kinds::for_kind!(kind, F => task::<F>(&conn, &task_id, json).await).map(|()| 0)
        }
        Command::Wait {
            task_ids,
            kind,
            until,
            timeout,
            not_found_grace,
            json,
            listen,
            insecure_no_verify,
            api,
            journaling,
        } => {
            let conn = g.journaling(&api, &journaling);
            let follow = wait::Follow {
                until,
                timeout,
                json,
                listen,
                insecure_no_verify,
                download: None,
                just_created: false,
                ages: HashMap::new(),
                not_found_grace,
            };
            match client(&conn).await {
                Ok(client) => {
                    kinds::for_kind!(kind, F => wait::follow::<F>(&client, &task_ids, &follow).await)
                }
                Err(e) => Err(e),
            }
        }
        Command::Demo { json } => demo::run(json).await,
        Command::Mock(args) => mock(args).await.map(|()| 0),
        Command::Mcp(args) => mcp::run(g, args).await.map(|()| 0),
        Command::Listen {
            addr,
            insecure_no_verify,
            url_token,
            api,
            journal,
        } => {
            let conn = g.with(Some(&api), Some(&journal));
            let auth = listen::Auth {
                insecure_no_verify,
                url_token,
            };
            // A journal named: its lost creates are linked (which polls).
            let linker = match conn.journal.is_some() && !conn.no_journal {
                true => client(&conn).await.map(Some),
                false => Ok(None),
            };
            match linker {
                Ok(linker) => listen::run(addr, auth, linker).await.map(|()| 0),
                Err(e) => Err(e),
            }
        }
    }
}

/// Prints a failure as one line and gives its exit code.
fn report(failure: Failure) -> ExitCode {
    tell!("error: {}", failure.message());
    ExitCode::from(failure.exit_code())
}

/// Debug logs of this SDK on stderr. The SDK never logs the key.
fn log_to_stderr() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .log_internal_errors(false)
        .with_target(false);
    let only_sdk = Targets::new().with_target("kie_suno", LevelFilter::DEBUG);
    tracing_subscriber::registry()
        .with(logs.with_filter(only_sdk))
        .init();
}

async fn task<F>(conn: &Connection, task_id: &str, json: bool) -> Result<(), Failure>
where
    F: Family + Stages,
    F::Record: Show,
{
    let (record, _) = F::fetch(&client(conn).await?, task_id).await?;
    if json {
        say!("{}", record.json_line());
    } else {
        put!("{}", record.summary());
    }
    Ok(())
}

async fn download<F>(
    conn: &Connection,
    task_id: &str,
    dir: &std::path::Path,
    json: bool,
) -> Result<u8, Failure>
where
    F: Family,
    F::Record: kie_suno::download::TaskFiles,
{
    let client = client(conn).await?;
    let (record, _) = F::fetch(&client, task_id).await?;
    Ok(download::save(&client, &record, dir, json).await)
}

async fn credits(conn: &Connection, json: bool) -> Result<(), Failure> {
    let credits = client(conn).await?.credits().await?;
    if json {
        // A decimal's text is a JSON number, printed as the API sent it.
        say!("{{\"credits\":{credits}}}");
    } else {
        say!("{credits} credits");
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
    let created = args
        .created_lifecycle
        .unwrap_or_else(|| Script::success(kie_suno::mock::CREATED_MUSIC_TAKES));
    let server = MockServer::builder()
        .port(args.port)
        .api_key(&args.key)
        .faults(Faults::at_rate(args.fault_rate, args.seed))
        .lifecycle(created.clone())
        .kind_lifecycle(KindScript::done_after(args.created_others_after))
        .start()
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    say!("mock kie.ai API listening on {}", server.url());
    say!(
        "  export KIE_BASE_URL={} KIE_API_KEY={}",
        server.url(),
        server.api_key()
    );
    say!(
        "  created music tasks play {created}; other kinds finish after {}",
        humantime::format_duration(args.created_others_after)
    );
    for (id, script) in args.tasks {
        say!("  task {id}: {script}");
        server.add_task(id, script);
    }
    say!("press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Failed(format!("cannot wait for Ctrl-C: {e}")))?;
    say!(
        "served {} requests, {} over the rate limit",
        server.requests().len(),
        server.rate_violations()
    );
    Ok(())
}
