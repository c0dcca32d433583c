//! End to end at the account's limit: songs created through
//! `client.music().generate` with the client's default create limit,
//! against a mock that holds to the live account's limit (20 creates per
//! 10 s) and whose songs take 20-40 s, then followed to their files by
//! `suno worker` processes on one PostgreSQL journal (the first of them
//! receives the mock's callbacks, up to 5 s late, some twice, and passes
//! them on through the database). It measures the time from the first
//! create to the last song reported with its files, against the ideal for
//! the same songs: each create in the earliest window the live limit
//! allows, each song reported the moment its lifecycle ends and its files
//! are saved.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use kie_suno::Client;
use kie_suno::callback::WebhookKey;
use kie_suno::download::TaskFiles;
use kie_suno::journal::Journal;
use kie_suno::mock::{CallbackDelivery, CallbackFaults, MockServer, Script};
use kie_suno::music::GenerateMusic;
use tokio::time::Instant;

use crate::fleet::{self, FleetConfig, FleetReport, WEBHOOK_KEY};

/// The live account's limit, which the mock holds to: creates per window.
const LIVE_LIMIT: usize = 20;
/// The live account's window.
const LIVE_WINDOW: Duration = Duration::from_secs(10);

/// What to run.
#[derive(Debug, Clone)]
pub struct EndToEndConfig {
    pub creates: usize,
    pub workers: usize,
    /// Tasks each worker follows at once.
    pub concurrency: usize,
    /// Songs take from `.0` to `.1`, uniformly drawn from the seed.
    pub song_takes: (Duration, Duration),
    /// Callbacks arrive up to this late.
    pub callback_delay: Duration,
    pub seed: u64,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Default for EndToEndConfig {
    fn default() -> Self {
        EndToEndConfig {
            creates: 200,
            workers: 3,
            concurrency: 32,
            song_takes: (Duration::from_secs(20), Duration::from_secs(40)),
            callback_delay: Duration::from_secs(5),
            seed: 17,
            timeout: Duration::from_secs(600),
        }
    }
}

/// What came of it.
#[derive(Debug, Clone)]
pub struct EndToEndReport {
    /// From the first create to the last song reported with its files.
    pub wall: Duration,
    /// The same for the ideal run of the same songs (`ideal_creates` plus
    /// the lifecycles plus `download`).
    pub ideal: Duration,
    /// When the ideal run sends its last create.
    pub ideal_creates: Duration,
    /// One song's files downloaded once by this process after the run, the
    /// ideal's download time.
    pub download: Duration,
    /// Creates that returned an error (a refused create is lost money or
    /// a lost song).
    pub refused: usize,
    pub create_errors: Vec<String>,
    /// Tasks the mock made that no worker reported.
    pub lost: usize,
    /// Creates the mock refused for going over the live limit, and polls
    /// over its rate limit.
    pub rate_violations: u64,
    /// The workers' side, as the fleet harness scores it (reports, lines,
    /// files left or missing).
    pub fleet: FleetReport,
}

impl EndToEndReport {
    /// `wall / ideal`.
    pub fn ratio(&self) -> f64 {
        self.wall.as_secs_f64() / self.ideal.as_secs_f64()
    }

    /// Everything that must be 0.
    pub fn failures(&self) -> usize {
        self.refused
            + self.lost
            + self.rate_violations as usize
            + self.fleet.reported_twice
            + self.fleet.unprinted
            + self.fleet.bad_files
            + self.fleet.creates_without_task
    }
}

impl std::fmt::Display for EndToEndReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ratio={:.3} wall_s={:.1} ideal_s={:.1} ideal_creates_s={:.1} download_s={:.2} \
             refused={} lost={} rate_violations={} files={} reported_twice={} bad_files={}",
            self.ratio(),
            self.wall.as_secs_f64(),
            self.ideal.as_secs_f64(),
            self.ideal_creates.as_secs_f64(),
            self.download.as_secs_f64(),
            self.refused,
            self.lost,
            self.rate_violations,
            self.fleet.files,
            self.fleet.reported_twice,
            self.fleet.bad_files,
        )?;
        for error in self.create_errors.iter().take(3) {
            write!(f, "\n  create failed: {error}")?;
        }
        for bad in &self.fleet.bad_file_examples {
            write!(f, "\n  bad file: {bad}")?;
        }
        Ok(())
    }
}

/// Runs it with `suno` (the binary at `suno`) workers on the database at
/// `database_url`, which must be empty.
pub async fn run(
    suno: &std::path::Path,
    database_url: &str,
    config: &EndToEndConfig,
) -> std::io::Result<EndToEndReport> {
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let (shortest, longest) = config.song_takes;
    let songs: Vec<Script> = (0..config.creates)
        .map(|_| Script::success(shortest + (longest - shortest).mul_f64(rng.f64())))
        .collect();
    let listen = fleet::free_port()?;
    let callbacks = format!("http://{listen}/callbacks");
    let server = MockServer::builder()
        .lifecycles(songs.clone())
        .credits(i64::MAX)
        .callbacks(CallbackDelivery {
            url: callbacks.clone(),
            key: Some(WebhookKey::new(WEBHOOK_KEY).ok_or_else(|| std::io::Error::other("key"))?),
            faults: CallbackFaults {
                duplicate: 0.1,
                max_delay: config.callback_delay,
                seed: config.seed,
                ..CallbackFaults::default()
            },
        })
        .start()
        .await?;
    // As a user's program: the default create limit, the journal.
    let (journal, client) = fleet::journaled_client(&server, database_url, callbacks).await?;
    let client = client.build().map_err(std::io::Error::other)?;

    let dir = tempfile::tempdir()?;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let workers_config = FleetConfig {
        workers: config.workers,
        concurrency: config.concurrency,
        ..FleetConfig::default()
    };
    let run_number = fleet::RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut workers = Vec::new();
    for w in 0..config.workers {
        workers.push(fleet::spawn_worker(
            suno,
            w,
            (w == 0).then_some(listen),
            &server,
            database_url,
            &workers_config,
            dir.path(),
            &lines,
            run_number,
        )?);
    }

    let first_create = Utc::now();
    let started = Instant::now();
    let creates = (0..config.creates).map(|i| {
        let client = client.clone();
        async move {
            client
                .music()
                .generate(GenerateMusic::from_description(format!("song {i}")))
                .await
                .map(|task| task.id().to_owned())
        }
    });
    let created = tokio::spawn(futures_util::future::join_all(creates));
    let mut reported = 0;
    while started.elapsed() < config.timeout {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let entries = journal.entries(true).await.map_err(std::io::Error::other)?;
        reported = entries.iter().filter(|e| e.reported.is_some()).count();
        if created.is_finished() && reported >= server.created_tasks().len() {
            break;
        }
    }
    let results = created.await.map_err(std::io::Error::other)?;
    fleet::stop(&mut workers).await;
    // Let the readers drain what the workers printed.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let entries = journal.entries(true).await.map_err(std::io::Error::other)?;
    let mut fleet_report = FleetReport {
        tasks: config.creates,
        journal_reported: reported,
        ..FleetReport::default()
    };
    fleet::score(&lines, &entries, dir.path(), &mut fleet_report);
    let last_report = entries
        .iter()
        .filter_map(|e| e.reported.as_ref().map(|(at, _)| *at))
        .max()
        .unwrap_or(first_create);
    let wall = (last_report - first_create).to_std().unwrap_or_default();

    let create_errors: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(ToString::to_string))
        .collect();
    let download = one_download(&client, &results, dir.path()).await?;
    let ideal_creates = LIVE_WINDOW * ((config.creates.max(1) - 1) / LIVE_LIMIT) as u32;
    let ideal = songs
        .iter()
        .enumerate()
        .map(|(i, song)| LIVE_WINDOW * (i / LIVE_LIMIT) as u32 + song.ends_at())
        .max()
        .unwrap_or_default()
        + download;
    Ok(EndToEndReport {
        wall,
        ideal,
        ideal_creates,
        download,
        refused: create_errors.len(),
        create_errors,
        lost: server
            .created_tasks()
            .len()
            .saturating_sub(fleet_report.journal_reported),
        rate_violations: server.create_rate_violations() + server.rate_violations(),
        fleet: fleet_report,
    })
}

/// How long one song's files take this process to download, the last one
/// created (its files are already saved by a worker; these go elsewhere).
async fn one_download(
    client: &Client,
    created: &[Result<String, kie_suno::Error>],
    dir: &std::path::Path,
) -> std::io::Result<Duration> {
    let Some(Ok(task_id)) = created.iter().rev().find(|r| r.is_ok()) else {
        return Ok(Duration::ZERO);
    };
    let record = client.task(task_id).await.map_err(std::io::Error::other)?;
    let again = dir.join("downloaded-again");
    std::fs::create_dir_all(&again)?;
    let started = Instant::now();
    for saved in client.downloads().all(record.files(), &again).await {
        saved.map_err(std::io::Error::other)?;
    }
    Ok(started.elapsed())
}
