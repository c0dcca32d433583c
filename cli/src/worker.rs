//! `suno worker`: one of a fleet of processes sharing a journal (a
//! `postgres://` URL, or a file for processes of one machine). It claims
//! the journal's unfinished tasks under a lease, waits for them (woken by
//! callbacks when any worker has `--listen`), saves their files with
//! `--download`, and prints one JSON line per task it reports; a task is
//! reported by one worker, once. Runs until interrupted (Ctrl-C or
//! SIGTERM), then gives its tasks back.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use kie_suno::callback::Received;
use kie_suno::worker::{Worker, WorkerEvent};
use tokio_util::sync::CancellationToken;

use crate::connection::{ApiOptions, Connection, Global, JournalOptions};
use crate::exit::Failure;
use crate::store::{Opened, open_store};

#[derive(Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    api: ApiOptions,
    #[command(flatten)]
    journal: JournalOptions,
    /// Receive the provider's callbacks on this address (with a PostgreSQL
    /// journal they wake the waits of every worker, not only this one's).
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<SocketAddr>,
    /// Accept unsigned callbacks (only for accounts without a webhook key).
    #[arg(long, requires = "listen")]
    insecure_no_verify: bool,
    /// Without a webhook key: accept only callbacks whose URL carries a
    /// create reference of this journal (the sister service signs nothing).
    #[arg(long, requires = "listen", conflicts_with = "insecure_no_verify")]
    url_token: bool,
    /// Save each completed task's files here before reporting it.
    #[arg(long, value_name = "DIR")]
    download: Option<PathBuf>,
    /// How long a claim on a task lasts; renewed every third of it. Another
    /// worker takes a task over this long after its worker dies.
    #[arg(long, value_parser = crate::duration::parse, default_value = "30s")]
    lease: Duration,
    /// How many tasks this worker follows at once.
    #[arg(long, default_value_t = 100)]
    concurrency: usize,
    /// The name the journal shows for this worker (default: host, process
    /// id and a random suffix).
    #[arg(long)]
    name: Option<String>,
}

impl WorkerArgs {
    /// The worker's connection: its options, else `suno`'s.
    pub fn connection(&self, global: &Global) -> Connection {
        global.with(Some(&self.api), Some(&self.journal))
    }
}

pub async fn run(conn: &Connection, args: WorkerArgs) -> Result<u8, Failure> {
    if conn.no_journal {
        return Err(Failure::Usage(
            "a worker works from a journal: drop --no-journal".into(),
        ));
    }
    let opened = open_store(conn.journal.as_deref()).await?;
    crate::journal::reconcile(&*opened.journal).await?;
    // The client records what its waits see in the same journal.
    let client = crate::connection::client_builder_on(conn, Some(&opened))?.build()?;
    let Opened {
        queue,
        postgres,
        location,
        ..
    } = opened;
    let mut worker = Worker::new(&client, queue)
        .lease(args.lease)
        .concurrency(args.concurrency);
    // With PostgreSQL, callbacks go through the database to every worker
    // (this one hears its own back); otherwise they wake only this one.
    if let Some(pg) = postgres {
        worker = worker.fanout(Arc::new(pg));
    }
    if let Some(name) = args.name {
        worker = worker.name(name);
    }
    if let Some(dir) = args.download {
        worker = worker.download_to(dir);
    }
    let _receiver = match args.listen {
        Some(addr) => {
            let auth = crate::listen::Auth {
                insecure_no_verify: args.insecure_no_verify,
                url_token: args.url_token,
            };
            let verifier = crate::listen::verifier(auth, client.journal())?;
            let (bound, received, serving) = worker
                .receiver(verifier)
                .serve(addr)
                .await
                .map_err(|e| Failure::Usage(format!("cannot listen on {addr}: {e}")))?;
            tell!("listening for callbacks on http://{bound}");
            let refusals = tokio::spawn(print_refusals(received));
            Some((serving, refusals))
        }
        None => None,
    };

    let stop = CancellationToken::new();
    tokio::spawn(stop_on_signal(stop.clone()));
    tell!(
        "worker {} on the journal {location} (lease {})",
        worker.holder(),
        humantime::format_duration(args.lease)
    );
    worker.run(stop, print).await;
    Ok(0)
}

/// Prints a report as a JSON line on stdout, anything else on stderr.
fn print(event: WorkerEvent) {
    match event {
        WorkerEvent::Reported(report) => {
            let files: Vec<String> = report
                .files
                .iter()
                .map(|f| f.path.display().to_string())
                .collect();
            let line = serde_json::json!({
                "task_id": report.task_id,
                "kind": report.kind.as_str(),
                "outcome": if report.failure.is_some() { "failed" } else { "completed" },
                "failure": report.failure,
                "files": files,
                "worker": report.worker,
            });
            say!("{line}");
        }
        WorkerEvent::Claimed { kind, task_id } => tell!("claimed {kind} task {task_id}"),
        WorkerEvent::Released { task_id, reason } => {
            tell!("gave back task {task_id}: {reason}");
        }
        WorkerEvent::LeaseLost { task_id } => {
            tell!("task {task_id} was taken over by another worker");
        }
        WorkerEvent::JournalFailed { message } => tell!("error: {message}"),
        _ => {}
    }
}

/// Prints the callbacks refused (the receiver passes the others on).
async fn print_refusals(mut received: tokio::sync::mpsc::Receiver<Received>) {
    while let Some(received) = received.recv().await {
        if let Received::Refused(rejection) = received {
            tell!("refused a callback: {rejection}");
        }
    }
}

/// Cancels `stop` on Ctrl-C or SIGTERM.
async fn stop_on_signal(stop: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            stop.cancel();
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    stop.cancel();
}
