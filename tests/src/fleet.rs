//! A fleet over loopback: the mock API (faults on polls, signed callbacks
//! with their own faults), tasks of every kind created through a
//! PostgreSQL journal, and `suno worker` processes sharing it; the
//! callbacks reach one worker only, which passes them on through the
//! database. One worker can be killed (SIGKILL) mid-run. What it measures
//! comes from the workers' report lines, the journal and the mock.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kie_suno::callback::WebhookKey;
use kie_suno::journal::{Journal, JournalEntry, PostgresJournal};
use kie_suno::mock::{CallbackDelivery, CallbackFaults, Faults, KindScript, MockServer, Script};
use kie_suno::{ApiKey, Client, TaskKind};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::soak::{create, kind_lifecycle, kind_of, lifecycle};

/// How the fleet runs.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    pub tasks: usize,
    pub workers: usize,
    /// Tasks each worker follows at once.
    pub concurrency: usize,
    pub lease: Duration,
    /// Kill worker 1 with SIGKILL this long after the workers start.
    pub kill_after: Option<Duration>,
    /// Share of polls and downloads that get a fault.
    pub fault_rate: f64,
    /// Share of callbacks lost (others are duplicated and delayed too).
    pub callback_drop: f64,
    pub seed: u64,
    /// Give up after this long.
    pub timeout: Duration,
    /// Restart the database this long after the workers start, with
    /// `restart` (as a crash would), and create `late_creates` more tasks
    /// while it comes back.
    pub restart_after: Option<Duration>,
    pub late_creates: usize,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            tasks: 300,
            workers: 3,
            concurrency: 100,
            lease: Duration::from_secs(3),
            kill_after: Some(Duration::from_secs(2)),
            fault_rate: 0.05,
            callback_drop: 0.1,
            seed: 11,
            timeout: Duration::from_secs(180),
            restart_after: None,
            late_creates: 0,
        }
    }
}

/// What came of it.
#[derive(Debug, Default, Clone)]
pub struct FleetReport {
    pub tasks: usize,
    /// Tasks the journal shows reported (once each: the journal's word).
    pub journal_reported: usize,
    /// Tasks with a report line on a worker's stdout.
    pub reported: usize,
    /// Tasks with more than one report line.
    pub reported_twice: usize,
    /// Tasks reported in the journal with no line: only the killed
    /// worker's may be missing (killed between its report and its line).
    pub unprinted: usize,
    /// Of those, reported by a worker that was not killed (must be 0).
    pub unprinted_by_the_living: usize,
    /// Files the journal lists missing or of another size than it says,
    /// and partial files left behind.
    pub bad_files: usize,
    /// What was wrong with the first of them.
    pub bad_file_examples: Vec<String>,
    /// Files saved.
    pub files: usize,
    pub rate_violations: u64,
    /// Callbacks the database recorded (passed on to every worker).
    pub callbacks_passed_on: i64,
    /// Tasks the killed worker held when it died.
    pub orphaned: usize,
    /// From the kill until every task it held was claimed again (or
    /// reported).
    pub takeover: Option<Duration>,
    /// From the workers' start until the last report.
    pub wall: Duration,
    /// Tasks each worker reported, by the journal.
    pub by_worker: std::collections::BTreeMap<String, usize>,
    /// Creates that failed (the late ones, made while the database
    /// restarted).
    pub creates_failed: usize,
    /// Why they failed.
    pub create_errors: Vec<String>,
    /// Journal entries with no task id (a create lost or stranded).
    pub creates_without_task: usize,
}

impl std::fmt::Display for FleetReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "tasks={} journal_reported={} reported={} reported_twice={} unprinted={} \
             unprinted_by_the_living={} files={} bad_files={} rate_violations={} \
             callbacks_passed_on={} orphaned={} takeover_s={} wall_s={:.1} by_worker={} \
             creates_failed={} creates_without_task={}",
            self.tasks,
            self.journal_reported,
            self.reported,
            self.reported_twice,
            self.unprinted,
            self.unprinted_by_the_living,
            self.files,
            self.bad_files,
            self.rate_violations,
            self.callbacks_passed_on,
            self.orphaned,
            self.takeover
                .map_or("-".to_owned(), |t| format!("{:.2}", t.as_secs_f64())),
            self.wall.as_secs_f64(),
            self.by_worker
                .iter()
                .map(|(worker, n)| format!("{worker}:{n}"))
                .collect::<Vec<_>>()
                .join("/"),
            self.creates_failed,
            self.creates_without_task,
        )?;
        for bad in &self.bad_file_examples {
            write!(f, "\n  bad file: {bad}")?;
        }
        for error in &self.create_errors {
            write!(f, "\n  create failed: {error}")?;
        }
        Ok(())
    }
}

pub(crate) const WEBHOOK_KEY: &str = "fleet-webhook-key";
/// The worker that is killed (worker 1).
const KILLED: &str = "w1";

/// Runs a fleet of `suno` (the binary at `suno`) workers on the database
/// at `database_url`, which must be empty.
pub async fn run(
    suno: &Path,
    database_url: &str,
    config: &FleetConfig,
) -> std::io::Result<FleetReport> {
    run_with_restart(suno, database_url, config, || Ok(())).await
}

/// [`run`], restarting the database with `restart` when
/// `config.restart_after` says.
pub async fn run_with_restart(
    suno: &Path,
    database_url: &str,
    config: &FleetConfig,
    restart: impl FnOnce() -> std::io::Result<()> + Send + 'static,
) -> std::io::Result<FleetReport> {
    let mut restart = Some(restart);
    let total = config.tasks + config.late_creates;
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let listen = free_port()?;
    let key = WebhookKey::new(WEBHOOK_KEY).ok_or_else(|| std::io::Error::other("key"))?;
    let server = MockServer::builder()
        .lifecycles(
            (0..64)
                .map(|_| lifecycle(&mut rng))
                .collect::<Vec<Script>>(),
        )
        .kind_lifecycles(
            (0..64)
                .map(|_| kind_lifecycle(&mut rng))
                .collect::<Vec<KindScript>>(),
        )
        .credits(i64::MAX)
        .create_limit(100_000, Duration::from_secs(1))
        // Faults from after the creates on: polls and downloads.
        .faults(Faults {
            requests: Some(config.tasks as u64 + 1..u64::MAX),
            slow_delay: Duration::from_millis(800),
            ..Faults::at_rate(config.fault_rate, config.seed)
        })
        .callbacks(CallbackDelivery {
            url: format!("http://{listen}/callbacks"),
            key: Some(key),
            faults: CallbackFaults {
                drop: config.callback_drop,
                duplicate: 0.1,
                max_delay: Duration::from_millis(300),
                seed: config.seed,
                ..CallbackFaults::default()
            },
        })
        .start()
        .await?;
    let (journal, client) =
        journaled_client(&server, database_url, format!("http://{listen}/callbacks")).await?;
    let client = client
        .create_limit(None)
        .build()
        .map_err(std::io::Error::other)?;
    create_tasks(&client, config, &mut rng).await?;

    let dir = tempfile::tempdir()?;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let started = Instant::now();
    let mut workers = Vec::new();
    let run_number = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    for w in 0..config.workers {
        let listen = (w == 0).then_some(listen);
        workers.push(spawn_worker(
            suno,
            w,
            listen,
            &server,
            database_url,
            config,
            dir.path(),
            &lines,
            run_number,
        )?);
    }
    let mut report = FleetReport {
        tasks: total,
        ..FleetReport::default()
    };
    let mut killed = None;
    let mut late = None;
    loop {
        if let Some(after) = config.restart_after
            && started.elapsed() >= after
            && let Some(restart) = restart.take()
        {
            // The restart blocks (pg_ctl waits for the server); the late
            // creates meanwhile wait for the journal to come back.
            let restarting = tokio::task::spawn_blocking(restart);
            let kinds: Vec<_> = (0..config.late_creates)
                .map(|_| kind_of(&mut rng))
                .collect();
            let (client, first) = (client.clone(), config.tasks);
            late = Some(tokio::spawn(async move {
                let failed = create_all(&client, &kinds, first).await;
                let restarted = restarting
                    .await
                    .map_err(std::io::Error::other)
                    .and_then(|r| r);
                (restarted, failed)
            }));
        }
        let entries = journal.entries(true).await.map_err(std::io::Error::other)?;
        let reported = entries.iter().filter(|e| e.reported.is_some()).count();
        if let Some(after) = config.kill_after
            && killed.is_none()
            && started.elapsed() >= after
            && workers.len() > 1
        {
            let held: Vec<String> = entries
                .iter()
                .filter(|e| e.holder.as_deref() == Some(KILLED) && e.reported.is_none())
                .map(|e| e.intent.clone())
                .collect();
            workers[1].start_kill()?;
            report.orphaned = held.len();
            killed = Some((Instant::now(), held));
        }
        if let Some((at, held)) = &killed
            && report.takeover.is_none()
        {
            let by_intent: HashMap<&str, _> =
                entries.iter().map(|e| (e.intent.as_str(), e)).collect();
            let taken = held.iter().all(|i| {
                by_intent.get(i.as_str()).is_some_and(|e| {
                    e.reported.is_some() || e.holder.as_deref().is_some_and(|h| h != KILLED)
                })
            });
            if taken {
                report.takeover = Some(at.elapsed());
            }
        }
        if reported >= total || started.elapsed() > config.timeout {
            report.journal_reported = reported;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    report.wall = started.elapsed();
    if let Some(late) = late {
        let (restarted, failed) = late.await.map_err(std::io::Error::other)?;
        restarted?;
        report.creates_failed = failed.len();
        report.create_errors = failed;
    }
    stop(&mut workers).await;
    // Let the readers drain what the workers printed.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let entries = journal.entries(true).await.map_err(std::io::Error::other)?;
    score(&lines, &entries, dir.path(), &mut report);
    report.rate_violations = server.rate_violations();
    report.callbacks_passed_on = callbacks_recorded(database_url).await;
    Ok(report)
}

/// The PostgreSQL journal at `database_url`, and the settings of a client
/// of `server` that journals its creates there and names `callback_url`.
pub(crate) async fn journaled_client(
    server: &MockServer,
    database_url: &str,
    callback_url: String,
) -> std::io::Result<(PostgresJournal, kie_suno::ClientBuilder)> {
    let journal = PostgresJournal::open(database_url)
        .await
        .map_err(std::io::Error::other)?;
    let client = Client::builder()
        .api_key(ApiKey::new(server.api_key()).map_err(std::io::Error::other)?)
        .base_url(server.url())
        .callback_url(callback_url)
        .journal(Arc::new(journal.clone()));
    Ok((journal, client))
}

/// Stops the workers as a user stops them (SIGTERM: each gives its tasks
/// back and drops what it was saving, which removes its temporary files),
/// killed only if one does not stop within 10 s. A worker still saving the
/// files of a task another reported (its lease ran out on a busy machine)
/// would otherwise leave them half written when killed.
pub(crate) async fn stop(workers: &mut [Child]) {
    for worker in workers.iter_mut() {
        if let Some(pid) = worker.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
    }
    for worker in workers.iter_mut() {
        if tokio::time::timeout(Duration::from_secs(10), worker.wait())
            .await
            .is_err()
        {
            let _ = worker.start_kill();
            let _ = worker.wait().await;
        }
    }
}

/// Creates the tasks, 32 at a time, every kind present.
async fn create_tasks(
    client: &Client,
    config: &FleetConfig,
    rng: &mut fastrand::Rng,
) -> std::io::Result<()> {
    let kinds: Vec<_> = (0..config.tasks).map(|_| kind_of(rng)).collect();
    match create_all(client, &kinds, 0).await.into_iter().next() {
        Some(error) => Err(std::io::Error::other(error)),
        None => Ok(()),
    }
}

/// Creates a task of each kind, 32 at a time, numbered from `first`;
/// returns why each that failed did.
async fn create_all(client: &Client, kinds: &[TaskKind], first: usize) -> Vec<String> {
    let mut failed = Vec::new();
    for (chunk_no, chunk) in kinds.chunks(32).enumerate() {
        let creates = chunk
            .iter()
            .enumerate()
            .map(|(i, kind)| create(client, *kind, first + chunk_no * 32 + i));
        for result in futures_util::future::join_all(creates).await {
            if let Err(e) = result {
                failed.push(e.to_string());
            }
        }
    }
    failed
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn spawn_worker(
    suno: &Path,
    number: usize,
    listen: Option<std::net::SocketAddr>,
    server: &MockServer,
    database_url: &str,
    config: &FleetConfig,
    dir: &Path,
    lines: &Arc<Mutex<Vec<String>>>,
    run_number: usize,
) -> std::io::Result<Child> {
    let mut command = Command::new(suno);
    command
        .arg("worker")
        .args(["--journal", database_url])
        .args(["--download", &dir.display().to_string()])
        .args(["--lease", &format!("{}ms", config.lease.as_millis())])
        .args(["--concurrency", &config.concurrency.to_string()])
        .args(["--name", &format!("w{number}")])
        .env("KIE_BASE_URL", server.url())
        .env("KIE_API_KEY", server.api_key())
        .env("KIE_WEBHOOK_HMAC_KEY", WEBHOOK_KEY)
        .env_remove("KIE_JOURNAL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(worker_log(run_number, number)?)
        .kill_on_drop(true);
    if let Some(addr) = listen {
        command.args(["--listen", &addr.to_string()]);
    }
    if std::env::var_os("KIE_FLEET_LOG_DIR").is_some() {
        command.arg("--verbose");
    }
    let mut child = command.spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("no stdout"))?;
    let lines = lines.clone();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
        }
    });
    Ok(child)
}

/// Counts report lines per task against the journal's reports, and
/// checks the files the journal lists.
pub(crate) fn score(
    lines: &Mutex<Vec<String>>,
    entries: &[JournalEntry],
    dir: &Path,
    report: &mut FleetReport,
) {
    let lines = lines.lock().unwrap_or_else(|p| p.into_inner());
    let mut per_task: HashMap<String, usize> = HashMap::new();
    for line in lines.iter() {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(line)
            && let Some(task_id) = value["task_id"].as_str()
        {
            *per_task.entry(task_id.to_owned()).or_default() += 1;
        }
    }
    report.reported = per_task.len();
    report.reported_twice = per_task.values().filter(|n| **n > 1).count();
    report.creates_without_task = entries.iter().filter(|e| e.task_id.is_none()).count();
    for entry in entries {
        let (Some(task_id), Some((_, by))) = (&entry.task_id, &entry.reported) else {
            continue;
        };
        *report.by_worker.entry(by.clone()).or_default() += 1;
        if !per_task.contains_key(task_id) {
            report.unprinted += 1;
            report.unprinted_by_the_living += usize::from(by != KILLED);
        }
        for (path, bytes) in &entry.files {
            report.files += 1;
            let found = std::fs::metadata(path).map(|m| m.len());
            if !found.as_ref().is_ok_and(|len| len == bytes && *len > 0) {
                report.bad_files += 1;
                report.bad_file_examples.push(format!(
                    "{} of task {task_id} (reported by {by}): journal says {bytes} bytes, found {found:?}",
                    path
                ));
            }
        }
    }
    for entry in std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".part") {
            report.bad_files += 1;
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            report
                .bad_file_examples
                .push(format!("{name} left behind ({len} bytes)"));
        }
    }
}

async fn callbacks_recorded(database_url: &str) -> i64 {
    let Ok((client, driver)) = crate::postgres::connect(database_url).await else {
        return -1;
    };
    let count = client
        .query_one("SELECT count(*) FROM kie_suno_callbacks", &[])
        .await
        .map_or(-1, |row| row.get::<_, i64>(0));
    drop(client);
    let _ = driver.await;
    count
}

/// Fleets run by this process so far (to keep their logs apart).
pub(crate) static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Where worker `number`'s stderr goes: `KIE_FLEET_LOG_DIR/run{run}/w{number}.log`
/// when that variable is set (to see what a slow or failed run did), else
/// nowhere.
fn worker_log(run: usize, number: usize) -> std::io::Result<Stdio> {
    match std::env::var_os("KIE_FLEET_LOG_DIR") {
        Some(dir) => {
            let dir = Path::new(&dir).join(format!("run{run}"));
            std::fs::create_dir_all(&dir)?;
            let file = std::fs::File::create(dir.join(format!("w{number}.log")))?;
            Ok(Stdio::from(file))
        }
        None => Ok(Stdio::null()),
    }
}

pub(crate) fn free_port() -> std::io::Result<std::net::SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.local_addr()
}
