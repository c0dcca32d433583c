//! `suno wait`: waits for tasks of one family with one progress line each,
//! printing each result as it completes. `suno generate --wait` and `suno
//! demo` run this same code.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use kie_suno::Client;
use kie_suno::download::TaskFiles;
use kie_suno::wait::{Family, PollPolicy, Wait, WaitError, Wakeups};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::exit::Failure;
use crate::kinds::{Stages, Until};
use crate::output::Show;

/// How a command follows tasks it names or made: the options `suno wait`
/// and the create commands' `--wait` share.
pub struct Follow {
    pub until: Until,
    pub timeout: Duration,
    pub json: bool,
    /// Wake on callbacks arriving at this address.
    pub listen: Option<std::net::SocketAddr>,
    pub insecure_no_verify: bool,
    /// Save each completed task's files here.
    pub download: Option<std::path::PathBuf>,
    /// The tasks were created by this command a moment ago.
    pub just_created: bool,
    /// How long ago each task this client created was made (a task the
    /// API does not know yet is looked for until the not-found grace
    /// after its create); tasks not here were named by id.
    pub ages: HashMap<String, Duration>,
    /// How long a task the API does not know is looked for
    /// (`--not-found-grace`; `None`: 3 minutes from its create, 30 s for
    /// an id given by hand).
    pub not_found_grace: Option<Duration>,
}

/// Waits for `task_ids` as `follow` says (receiving callbacks meanwhile
/// with `--listen`); returns the exit code.
pub async fn follow<F>(client: &Client, task_ids: &[String], follow: &Follow) -> Result<u8, Failure>
where
    F: Stages,
    F::Record: Show + TaskFiles,
{
    let until = F::stage(follow.until)?;
    // One command waits for a task or a few, at an address the user gave
    // for its callbacks: trust them until one is seen missing.
    let wakeups = follow.listen.map(|_| Wakeups::trusting());
    let receiver = match (follow.listen, &wakeups) {
        (Some(addr), Some(wakeups)) => Some(
            crate::listen::wake(
                addr,
                crate::listen::Auth {
                    insecure_no_verify: follow.insecure_no_verify,
                    url_token: false,
                },
                wakeups,
            )
            .await?,
        ),
        _ => None,
    };
    let options = Options::<F> {
        until,
        timeout: follow.timeout,
        json: follow.json,
        wakeups,
        just_created: follow.just_created,
        ages: follow.ages.clone(),
        not_found_grace: follow.not_found_grace,
    };
    let (mut code, completed) = run(client, task_ids, &options).await;
    drop(receiver);
    if let Some(dir) = &follow.download {
        for record in &completed {
            code = code.max(crate::download::save(client, record, dir, follow.json).await);
        }
    }
    Ok(code)
}

/// What to wait for and how to show it.
pub struct Options<F: Family> {
    /// `None`: the task's end.
    pub until: Option<F::Stage>,
    pub timeout: Duration,
    pub json: bool,
    /// Wake on callbacks (`--listen`).
    pub wakeups: Option<Wakeups>,
    /// The tasks were just created (with callbacks, no first look before
    /// one comes).
    pub just_created: bool,
    /// See [`Follow::ages`].
    pub ages: HashMap<String, Duration>,
    /// See [`Follow::not_found_grace`].
    pub not_found_grace: Option<Duration>,
}

/// Waits for every task; returns the exit code (the largest of the tasks')
/// and the records of the tasks that completed.
pub async fn run<F>(
    client: &Client,
    task_ids: &[String],
    options: &Options<F>,
) -> (u8, Vec<F::Record>)
where
    F: Family,
    F::Record: Show,
{
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
        .map(|id| wait_one::<F>(client, id, options, bars.as_ref(), &cancel))
        .collect();
    let mut exit = 0;
    let mut completed = Vec::new();
    while let Some((task_id, result)) = waits.next().await {
        let (code, record) = outcome(&task_id, result);
        exit = exit.max(code);
        if let Some(record) = record {
            if code == 0 {
                completed.push(record.clone());
            }
            let text = if options.json {
                format!("{}\n", record.json_line())
            } else {
                record.summary()
            };
            match &bars {
                Some(bars) => bars.suspend(|| put!("{text}")),
                None => put!("{text}"),
            }
        }
    }
    (exit, completed)
}

/// The exit code of one task, and the record to print (also for a failed or
/// timed-out task: the last record is still worth seeing).
fn outcome<F: Family>(
    task_id: &str,
    result: Result<F::Record, WaitError<F>>,
) -> (u8, Option<F::Record>) {
    let code = match &result {
        Ok(_) => 0,
        Err(WaitError::TaskFailed { .. }) => crate::exit::TASK_FAILED,
        Err(WaitError::TimedOut { .. }) => crate::exit::TIMED_OUT,
        Err(WaitError::Cancelled) => crate::exit::INTERRUPTED,
        Err(WaitError::Api(e)) => Failure::from_error(e).exit_code(),
        Err(_) => 4,
    };
    if let Err(e) = &result {
        tell!("error: {task_id}: {e}");
    }
    let record = match result {
        Ok(record) => Some(record),
        Err(e) => e.last_record().cloned(),
    };
    (code, record)
}

async fn wait_one<F: Family>(
    client: &Client,
    task_id: &str,
    options: &Options<F>,
    bars: Option<&MultiProgress>,
    cancel: &CancellationToken,
) -> (String, Result<F::Record, WaitError<F>>) {
    let wait = Wait::<F>::new(client, task_id)
        .deadline(options.timeout)
        .cancel_on(cancel.clone());
    let wait = match options.until {
        Some(stage) => wait.until(stage),
        None => wait,
    };
    let wait = match &options.wakeups {
        Some(wakeups) => wait.wake_on(wakeups),
        None => wait,
    };
    let wait = if options.just_created {
        wait.just_created()
    } else {
        wait
    };
    let wait = match options.ages.get(task_id) {
        Some(age) => wait.created_ago(*age),
        // A task named by id may have ended long ago: look at once (the
        // per-task budget allows it). A task made a moment ago is looked
        // at after the policy's first delay.
        None if !options.just_created => {
            wait.policy(PollPolicy::default().initial_delay(Duration::ZERO))
        }
        None => wait,
    };
    let wait = match options.not_found_grace {
        Some(grace) => wait.not_found_grace(grace),
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
        let seen = wait.progress();
        let mut printed = None;
        let result = wait
            .on_event(move |_| {
                let status = seen.status().map(|s| s.to_string());
                if status != printed {
                    tell!("{id}: {}", line());
                    printed = status;
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
