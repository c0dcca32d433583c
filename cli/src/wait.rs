//! `suno wait`: waits for tasks with one progress line each, printing each
//! result as it completes. `suno demo` runs this same code against the mock.

use std::io::IsTerminal;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use kie_suno::music::Music;
use kie_suno::music::{Stage, TaskEvent};
use kie_suno::wait::{WaitError, Wakeups};
use kie_suno::{Client, TaskRecord};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::{Failure, output};

/// Exit codes beyond `suno task`'s.
pub const EXIT_TASK_FAILED: u8 = 5;
pub const EXIT_TIMED_OUT: u8 = 6;
pub const EXIT_INTERRUPTED: u8 = 130;

/// What to wait for and how to show it.
pub struct Options {
    pub until: Stage,
    pub timeout: Duration,
    pub json: bool,
    /// Wake on callbacks (`--listen`).
    pub wakeups: Option<Wakeups>,
}

/// Waits for every task; returns the exit code (the largest of the tasks').
pub async fn run(client: &Client, task_ids: &[String], options: &Options) -> u8 {
    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });

    let bars = std::io::stderr().is_terminal().then(MultiProgress::new);
    let mut waits: FuturesUnordered<_> = task_ids
        .iter()
        .map(|id| wait_one(client, id, options, bars.as_ref(), &cancel))
        .collect();
    let mut exit = 0;
    while let Some((task_id, result)) = waits.next().await {
        let (code, record) = outcome(&task_id, result);
        exit = exit.max(code);
        if let Some(record) = record {
            let text = if options.json {
                format!("{}\n", output::json_line(&record))
            } else {
                output::summary(&record)
            };
            match &bars {
                Some(bars) => bars.suspend(|| print!("{text}")),
                None => print!("{text}"),
            }
        }
    }
    exit
}

/// The exit code of one task, and the record to print (also for a failed or
/// timed-out task: the last record is still worth seeing).
fn outcome(
    task_id: &str,
    result: Result<TaskRecord, WaitError<Music>>,
) -> (u8, Option<TaskRecord>) {
    let code = match &result {
        Ok(_) => 0,
        Err(WaitError::TaskFailed { .. }) => EXIT_TASK_FAILED,
        Err(WaitError::TimedOut { .. }) => EXIT_TIMED_OUT,
        Err(WaitError::Cancelled) => EXIT_INTERRUPTED,
        Err(WaitError::Api(e)) => Failure::from_error(e).exit_code(),
        Err(_) => 4,
    };
    if let Err(e) = &result {
        eprintln!("error: {task_id}: {e}");
    }
    let record = match result {
        Ok(record) => Some(record),
        Err(e) => e.last_record().cloned(),
    };
    (code, record)
}

async fn wait_one(
    client: &Client,
    task_id: &str,
    options: &Options,
    bars: Option<&MultiProgress>,
    cancel: &CancellationToken,
) -> (String, Result<TaskRecord, WaitError<Music>>) {
    let wait = client
        .wait(task_id)
        .until(options.until)
        .deadline(options.timeout)
        .cancel_on(cancel.clone());
    let wait = match &options.wakeups {
        Some(wakeups) => wait.wake_on(wakeups),
        None => wait,
    };
    let progress = wait.progress();
    let started = Instant::now();
    let line = move || {
        let status = progress
            .status()
            .map_or_else(|| "waiting".to_owned(), |s| s.to_string());
        let polls = progress.polls();
        let plural = if polls == 1 { "" } else { "s" };
        format!(
            "{status:<22} {:>5.1}s  {polls} poll{plural}",
            started.elapsed().as_secs_f64()
        )
    };

    let Some(bars) = bars else {
        // Not a terminal: a plain line per status change.
        let id = task_id.to_owned();
        let line = line.clone();
        let result = wait
            .on_event(move |event| {
                if let TaskEvent::StatusChanged { .. } = event {
                    eprintln!("{id}: {}", line());
                }
            })
            .await;
        return (task_id.to_owned(), result);
    };

    let bar = bars.add(ProgressBar::new_spinner());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix(task_id.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    let mut waiting = std::pin::pin!(wait.into_future());
    let result = loop {
        tokio::select! {
            result = &mut waiting => break result,
            _ = ticker.tick() => bar.set_message(line()),
        }
    };
    bar.finish_with_message(format!(
        "{}  {}",
        line(),
        if result.is_ok() { "done" } else { "ended" }
    ));
    (task_id.to_owned(), result)
}
