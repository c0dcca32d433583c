//! The fault-injection soak: many tasks of every family created through
//! the create calls on the HTTP mock, with varied scripted lifecycles,
//! then waited for through `wait_all` (one per family) while faults are
//! injected on creates and polls alike. It checks that no create made a
//! task twice, that every task made was either returned or reported as an
//! unknown outcome, that every returned task is reported exactly once with
//! the outcome its script says, within the rate limits, without a panic.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kie_suno::cover::{Cover, GenerateCover};
use kie_suno::lyrics::{GenerateLyrics, Lyrics};
use kie_suno::midi::{GenerateMidi, Midi};
use kie_suno::mock::{KindScript, MockServer, Script};
use kie_suno::music::{GenerateMusic, Music};
use kie_suno::separation::{SeparateVocals, VocalSeparation};
use kie_suno::video::{CreateMusicVideo, Video};
use kie_suno::wait::{Family, PollPolicy, WaitAll, WaitError};
use kie_suno::wav::{ConvertToWav, Wav};
use kie_suno::{ApiKey, Client, CreateLimit, Error, TaskKind, TaskStatus};

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    pub tasks: usize,
    pub concurrency: usize,
    pub fault_rate: f64,
    pub seed: u64,
}

/// What happened; [`SoakReport::passed`] when nothing was lost,
/// duplicated, wrong, over the limit or panicking.
#[derive(Debug, Clone, Default)]
pub struct SoakReport {
    pub tasks: usize,
    pub completed: usize,
    pub failed_as_scripted: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub wrong_outcome: usize,
    /// Tasks the mock made beyond those returned and those reported as
    /// unknown outcomes: a create sent twice.
    pub duplicated_creates: usize,
    /// Creates whose answer was lost, each reported as such.
    pub unknown_outcomes: usize,
    /// Tasks the mock made that the client neither returned nor reported.
    pub unreported_tasks: usize,
    /// Creates refused for good (no task made), e.g. maintenance past the
    /// retries.
    pub refused_creates: usize,
    pub create_rate_violations: u64,
    pub rate_violations: u64,
    pub panics: u64,
    pub faults_injected: usize,
    pub requests: usize,
    pub peak_rss_mib: f64,
    pub wall_s: f64,
    /// A few examples of wrong outcomes, for diagnosis.
    pub examples: Vec<String>,
}

impl SoakReport {
    pub fn passed(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.wrong_outcome == 0
            && self.duplicated_creates == 0
            && self.unreported_tasks == 0
            && self.rate_violations == 0
            && self.create_rate_violations == 0
            && self.panics == 0
    }
}

impl fmt::Display for SoakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tasks={} completed={} failed_as_scripted={} lost={} duplicated={} wrong_outcome={} duplicated_creates={} unknown_outcomes={} unreported_tasks={} refused_creates={} rate_violations={} create_rate_violations={} panics={} peak_rss_mib={:.1} wall_s={:.1}",
            self.tasks,
            self.completed,
            self.failed_as_scripted,
            self.lost,
            self.duplicated,
            self.wrong_outcome,
            self.duplicated_creates,
            self.unknown_outcomes,
            self.unreported_tasks,
            self.refused_creates,
            self.rate_violations,
            self.create_rate_violations,
            self.panics,
            self.peak_rss_mib,
            self.wall_s
        )
    }
}

static PANICS: AtomicU64 = AtomicU64::new(0);

/// Counts panics on any thread (the default hook still prints them).
pub fn count_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::Relaxed);
        default(info);
    }));
}

/// A lifecycle of a few seconds, drawn from the seed: mostly successes,
/// and every failure status and the callback exception (which completes:
/// its tracks are done).
pub(crate) fn lifecycle(rng: &mut fastrand::Rng) -> Script {
    let ms = |lo: u64, hi: u64, rng: &mut fastrand::Rng| Duration::from_millis(rng.u64(lo..hi));
    match rng.u32(0..20) {
        0 => Script::failure(ms(200, 2000, rng), TaskStatus::CreateTaskFailed),
        1 => {
            let at = ms(800, 3000, rng);
            Script::pending()
                .then(at / 3, TaskStatus::TextSuccess)
                .then(at, TaskStatus::GenerateAudioFailed)
        }
        2 => Script::failure(ms(300, 1500, rng), TaskStatus::SensitiveWordError),
        3 => Script::failure(ms(1000, 4000, rng), TaskStatus::CallbackException),
        _ => Script::success(ms(500, 4000, rng)),
    }
}

/// The same for the other kinds: done or failed after a few seconds.
pub(crate) fn kind_lifecycle(rng: &mut fastrand::Rng) -> KindScript {
    let after = Duration::from_millis(rng.u64(300..3000));
    if rng.u32(0..10) == 0 {
        KindScript::failed_after(after)
    } else {
        KindScript::done_after(after)
    }
}

/// Which kind the `i`-th task is: mostly music, every kind present.
pub(crate) fn kind_of(rng: &mut fastrand::Rng) -> TaskKind {
    match rng.u32(0..100) {
        0..70 => TaskKind::Music,
        70..80 => TaskKind::Lyrics,
        80..85 => TaskKind::Wav,
        85..90 => TaskKind::VocalSeparation,
        90..94 => TaskKind::Midi,
        94..97 => TaskKind::Video,
        _ => TaskKind::Cover,
    }
}

const HOOK: &str = "http://127.0.0.1:9/soak-callbacks";

/// Creates one task of `kind`; its id, or the error.
pub(crate) async fn create(client: &Client, kind: TaskKind, i: usize) -> Result<String, Error> {
    let source = format!("soak-music-{i}");
    Ok(match kind {
        TaskKind::Lyrics => client
            .lyrics()
            .generate(GenerateLyrics::new(format!("song {i}")))
            .await?
            .id()
            .to_owned(),
        TaskKind::Wav => client
            .wav()
            .convert(ConvertToWav::new(&source, "t0"))
            .await?
            .id()
            .to_owned(),
        TaskKind::VocalSeparation => client
            .vocal_separation()
            .separate(SeparateVocals::new(&source, "t0"))
            .await?
            .id()
            .to_owned(),
        TaskKind::Midi => client
            .midi()
            .generate(GenerateMidi::new(&source))
            .await?
            .id()
            .to_owned(),
        TaskKind::Video => client
            .video()
            .create(CreateMusicVideo::new(&source, "t0"))
            .await?
            .id()
            .to_owned(),
        TaskKind::Cover => client
            .cover()
            .generate(GenerateCover::new(&source))
            .await?
            .id()
            .to_owned(),
        _ => client
            .music()
            .generate(GenerateMusic::from_description(format!("piece {i}")))
            .await?
            .id()
            .to_owned(),
    })
}

/// Waits for `ids` of family `F` and scores each against the mock's script.
async fn check<F: Family>(
    client: &Client,
    server: &MockServer,
    ids: Vec<String>,
    config: &SoakConfig,
    report: &mut SoakReport,
) {
    let policy = PollPolicy::default()
        .initial_delay(Duration::from_millis(300))
        .base_delay(Duration::from_millis(300))
        .max_delay(Duration::from_millis(1500))
        .lifecycle(None);
    let expected: HashMap<String, (TaskKind, String, bool)> = ids
        .iter()
        .filter_map(|id| Some((id.clone(), server.scripted_end(id)?)))
        .collect();
    let mut results = WaitAll::<F>::new(client, ids.clone())
        .concurrency(config.concurrency)
        .policy(policy)
        .deadline(Duration::from_secs(120))
        .stream();
    let mut seen: HashMap<String, usize> = HashMap::new();
    while let Some((id, result)) = results.next().await {
        let count = seen.entry(id.clone()).or_default();
        *count += 1;
        if *count > 1 {
            report.duplicated += 1;
            continue;
        }
        let right = match (expected.get(&id), &result) {
            (Some((_, status, false)), Ok(record))
                if F::status(record).to_string() == *status || F::KIND != TaskKind::Music =>
            {
                report.completed += 1;
                true
            }
            (Some((_, status, true)), Err(WaitError::TaskFailed { status: got, .. }))
                if got.to_string() == *status || F::KIND != TaskKind::Music =>
            {
                report.failed_as_scripted += 1;
                true
            }
            _ => false,
        };
        if !right {
            report.wrong_outcome += 1;
            if report.examples.len() < 5 {
                report.examples.push(format!(
                    "{} {id}: expected {:?}, got {:?}",
                    F::KIND,
                    expected.get(&id),
                    result.map(|r| F::status(&r).to_string())
                ));
            }
        }
    }
    report.lost += ids.iter().filter(|id| !seen.contains_key(*id)).count();
}

/// Runs the soak on the current tokio runtime.
pub async fn soak(config: &SoakConfig) -> std::io::Result<SoakReport> {
    let started = Instant::now();
    let panics_before = PANICS.load(Ordering::Relaxed);
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let lifecycles: Vec<Script> = (0..64).map(|_| lifecycle(&mut rng)).collect();
    let kind_lifecycles: Vec<KindScript> = (0..64).map(|_| kind_lifecycle(&mut rng)).collect();
    // The live limit (20 per 10 s) would stretch 10,000 creates over 90
    // minutes; the soak checks the logic with a wider one, kept by both.
    let window = Duration::from_secs(1);
    let per_window = config.concurrency.max(20);
    let faults = kie_suno::mock::Faults {
        slow_delay: Duration::from_millis(800),
        ..kie_suno::mock::Faults::at_rate(config.fault_rate, config.seed)
    };
    let server = MockServer::builder()
        .faults(faults)
        .lifecycles(lifecycles)
        .kind_lifecycles(kind_lifecycles)
        .credits(i64::MAX)
        .create_limit(per_window, window)
        .start()
        .await?;
    let client = Client::builder()
        .api_key(ApiKey::new(server.api_key()).map_err(std::io::Error::other)?)
        .base_url(server.url())
        .timeout(Duration::from_secs(5))
        // The mock's own limit, no margin: the client counts each window
        // from the answers, so however late a loaded runtime delivers
        // the requests, none goes over.
        .create_limit(Some(CreateLimit::new(per_window as u32, window)))
        .callback_url(HOOK)
        .build()
        .map_err(std::io::Error::other)?;

    let kinds: Vec<TaskKind> = (0..config.tasks).map(|_| kind_of(&mut rng)).collect();
    let mut created = futures_util::stream::iter(kinds.into_iter().enumerate())
        .map(|(i, kind)| {
            let client = client.clone();
            async move { (kind, create(&client, kind, i).await) }
        })
        .buffer_unordered(config.concurrency.max(1));
    let mut report = SoakReport {
        tasks: config.tasks,
        ..SoakReport::default()
    };
    let mut by_kind: HashMap<TaskKind, Vec<String>> = HashMap::new();
    while let Some((kind, result)) = created.next().await {
        match result {
            Ok(id) => by_kind.entry(kind).or_default().push(id),
            Err(Error::CreateOutcomeUnknown { .. }) => report.unknown_outcomes += 1,
            Err(e) => {
                report.refused_creates += 1;
                if report.examples.len() < 5 {
                    report.examples.push(format!(
                        "create refused, no task made (not an error of the SDK): {e}"
                    ));
                }
            }
        }
    }
    drop(created);
    let returned: usize = by_kind.values().map(Vec::len).sum();
    let made = server.created_tasks().len();
    let unreturned = made.saturating_sub(returned);
    report.duplicated_creates = unreturned.saturating_sub(report.unknown_outcomes);
    report.unreported_tasks = unreturned.saturating_sub(report.unknown_outcomes);

    let mut take = |kind| by_kind.remove(&kind).unwrap_or_default();
    let (music, lyrics, wav, stems, midi, video, cover) = (
        take(TaskKind::Music),
        take(TaskKind::Lyrics),
        take(TaskKind::Wav),
        take(TaskKind::VocalSeparation),
        take(TaskKind::Midi),
        take(TaskKind::Video),
        take(TaskKind::Cover),
    );
    check::<Music>(&client, &server, music, config, &mut report).await;
    check::<Lyrics>(&client, &server, lyrics, config, &mut report).await;
    check::<Wav>(&client, &server, wav, config, &mut report).await;
    check::<VocalSeparation>(&client, &server, stems, config, &mut report).await;
    check::<Midi>(&client, &server, midi, config, &mut report).await;
    check::<Video>(&client, &server, video, config, &mut report).await;
    check::<Cover>(&client, &server, cover, config, &mut report).await;

    let requests = server.requests();
    report.requests = requests.len();
    report.faults_injected = requests
        .iter()
        .filter(|r| {
            matches!(
                r.answer,
                kie_suno::mock::Answer::Fault(_)
                    | kie_suno::mock::Answer::Created { fault: Some(_), .. }
            )
        })
        .count();
    report.rate_violations = server.rate_violations();
    report.create_rate_violations = server.create_rate_violations();
    report.panics = PANICS.load(Ordering::Relaxed) - panics_before;
    report.peak_rss_mib = peak_rss_mib();
    report.wall_s = started.elapsed().as_secs_f64();

    Ok(report)
}

/// The process's peak resident memory (Linux), in MiB; 0 elsewhere.
pub fn peak_rss_mib() -> f64 {
    proc_status_mib("VmHWM:")
}

/// The process's resident memory now (Linux), in MiB; 0 elsewhere.
pub fn rss_mib() -> f64 {
    proc_status_mib("VmRSS:")
}

/// A `kB` field of `/proc/self/status`, in MiB.
fn proc_status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
