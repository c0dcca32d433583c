//! Workers: any number of processes, on any machines, that share a
//! journal's [`LeaseQueue`] and between them see every task it holds to its end. Each
//! worker claims unfinished tasks under a lease ([`LeaseQueue::claim`]),
//! renews the lease while it waits (a third of the lease at a time), saves
//! the task's files when asked, and reports the task ([`LeaseQueue::report`]):
//! a task is reported once, by the worker that holds it. A worker that
//! dies stops renewing; when its leases run out, other workers take its
//! tasks over. A worker fences itself: once a lease may have run out (a
//! lease's length has passed since the last renewal it asked for, as when
//! it was paused or the journal was away), it stops that task before
//! sending anything more for it, without asking the journal; a renewal
//! that finds the lease gone stops it too.
//!
//! Fleet-wide rates: only a task's lease holder polls it, so the per-task
//! budget of that worker's client is the fleet's for that task (3 requests
//! per second); a process that creates should leave the waiting to the
//! workers. Workers create nothing; the processes that do keep the
//! account's create limit together with
//! [`ClientBuilder::shared_create_limit`](crate::ClientBuilder::shared_create_limit).
//!
//! ```no_run
//! # async fn run(client: kie_suno::Client, journal: std::sync::Arc<dyn kie_suno::journal::LeaseQueue>) {
//! use kie_suno::worker::{Worker, WorkerEvent};
//! let stop = tokio_util::sync::CancellationToken::new();
//! Worker::new(&client, journal)
//!     .download_to("music")
//!     .run(stop, |event| {
//!         if let WorkerEvent::Reported(report) = event {
//!             println!("{} {}", report.task_id, report.failure.as_deref().unwrap_or("completed"));
//!         }
//!     })
//!     .await;
//! # }
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

#[cfg(feature = "callbacks")]
use crate::callback::{Receiver, Verifier};
use crate::client::Client;
use crate::download::{Saved, TaskFiles};
use crate::fanout::Fanout;
use crate::journal::{JournalEntry, LeaseQueue};
use crate::kind::TaskKind;
use crate::wait::{Family, Wait, WaitError, Wakeups};

/// How long a lease lasts unless set (renewed every third of it).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// What a worker did, as it happens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WorkerEvent {
    /// It took a task (new, or another worker's whose lease ran out).
    Claimed {
        /// The task's kind.
        kind: TaskKind,
        /// The task.
        task_id: String,
    },
    /// It saw a task to its end and reported it: this happens once per
    /// task across the fleet.
    Reported(Report),
    /// It gave a task back to the others (its wait could not finish, or a
    /// file failed), to be claimed again.
    Released {
        /// The task.
        task_id: String,
        /// Why.
        reason: String,
    },
    /// Another worker took the task over (this one's lease ran out).
    LeaseLost {
        /// The task.
        task_id: String,
    },
    /// The journal failed (after its own retries); the worker goes on.
    JournalFailed {
        /// What failed.
        message: String,
    },
}

/// A task seen to its end.
#[derive(Debug, Clone)]
pub struct Report {
    /// The task's kind.
    pub kind: TaskKind,
    /// The task.
    pub task_id: String,
    /// Why it failed, or `None` when it made its results.
    pub failure: Option<String>,
    /// The files saved (with [`Worker::download_to`]).
    pub files: Vec<Saved>,
    /// The worker that reported it.
    pub worker: String,
}

/// One worker; configure, then [`Worker::run`].
#[derive(Debug)]
#[must_use = "a worker does nothing until run"]
pub struct Worker {
    client: Client,
    queue: Arc<dyn LeaseQueue>,
    name: String,
    lease: Duration,
    concurrency: usize,
    download: Option<PathBuf>,
    /// What wakes its waits: its receiver's callbacks, or the fleet's
    /// through the fan-out.
    wakeups: Wakeups,
    fanout: Option<Arc<dyn Fanout>>,
    deadline: Duration,
    idle_claim_every: Duration,
}

/// Following one claimed task: when it ends, its create's intent, its
/// kind and id, and what became of it.
type Work = std::pin::Pin<Box<dyn Future<Output = (String, TaskKind, String, Outcome)> + Send>>;

/// A task this worker follows: how to stop it, and until when its lease
/// surely lasts (a lease's length from when the claim or the last renewal
/// that kept it was asked for; the journal's lease starts later).
struct Held {
    stop: CancellationToken,
    until: Instant,
}

/// What became of one claimed task.
enum Outcome {
    Done {
        failure: Option<String>,
        files: Vec<Saved>,
    },
    Release(String),
    Lost,
}

impl Worker {
    /// A worker that claims tasks from `queue` and polls with `client`
    /// (whose journal, normally the same store, records what its waits
    /// see).
    pub fn new(client: &Client, queue: Arc<dyn LeaseQueue>) -> Self {
        Worker {
            client: client.clone(),
            queue,
            name: default_name(),
            lease: DEFAULT_LEASE,
            concurrency: 100,
            download: None,
            wakeups: Wakeups::new(),
            fanout: None,
            deadline: Duration::from_secs(3600),
            idle_claim_every: Duration::from_secs(1),
        }
    }

    /// The name the journal shows as the holder (default: host, process
    /// id and a random suffix).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How long a lease lasts (default 30 s): how soon another worker
    /// takes over a task after this one dies.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(300));
        self
    }

    /// How many tasks it follows at once (default 100).
    pub fn concurrency(mut self, tasks: usize) -> Self {
        self.concurrency = tasks.max(1);
        self
    }

    /// Saves each completed task's files into `dir` before reporting it.
    pub fn download_to(mut self, dir: impl Into<PathBuf>) -> Self {
        self.download = Some(dir.into());
        self
    }

    /// Its waits wake on these wake-ups instead of its own (for a
    /// receiver assembled by hand; [`Worker::receiver`] does it for you).
    pub fn wake_on(mut self, wakeups: &Wakeups) -> Self {
        self.wakeups = wakeups.clone();
        self
    }

    /// Its waits wake on the callbacks any process of the fleet received:
    /// while it runs, it subscribes to `fanout`, and its
    /// [receiver](Worker::receiver) publishes there instead of waking
    /// only this worker. [`PostgresJournal`](crate::journal::PostgresJournal)
    /// is one.
    pub fn fanout(mut self, fanout: Arc<dyn Fanout>) -> Self {
        self.fanout = Some(fanout);
        self
    }

    /// A receiver of the provider's callbacks wired to this worker: each
    /// verified delivery wakes its waits (through the fan-out, every
    /// worker's), and a create whose answer was lost is linked to its task
    /// through the client's journal ([`Receiver::link`]). Serve it
    /// ([`Receiver::serve`]) or mount it in your own server.
    #[cfg(feature = "callbacks")]
    pub fn receiver(&self, verifier: Verifier) -> Receiver {
        let receiver = Receiver::new(verifier).link(self.client.clone());
        match &self.fanout {
            Some(fanout) => receiver.publish_to(fanout.clone()),
            None => receiver.wake(&self.wakeups),
        }
    }

    /// The longest it waits for one task before giving it back (default
    /// an hour).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How often it looks for new tasks while it has room (default 1 s).
    pub fn claim_every(mut self, every: Duration) -> Self {
        self.idle_claim_every = every.max(Duration::from_millis(10));
        self
    }

    /// The holder name it uses.
    pub fn holder(&self) -> &str {
        &self.name
    }

    /// Works until `stop` is cancelled; then stops waiting and gives its
    /// tasks back (so that others need not wait for the leases to run
    /// out). `on_event` hears what it does. As it starts and as it stops,
    /// it removes the temporary files in its download directory that no
    /// live download holds: a worker killed while saving leaves them.
    pub async fn run(self, stop: CancellationToken, mut on_event: impl FnMut(WorkerEvent) + Send) {
        if let Some(dir) = &self.download {
            crate::download::sweep_dead_temporaries(dir).await;
        }
        // Callbacks of the whole fleet wake this worker's waits while it runs.
        let fan_in = self.fanout.as_ref().map(|f| f.subscribe(&self.wakeups));
        let mut held: HashMap<String, Held> = HashMap::new();
        let mut running = FuturesUnordered::new();
        let mut renew = tokio::time::interval(self.lease / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut claim = tokio::time::interval(self.idle_claim_every);
        claim.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let journal_failed = |e: crate::journal::JournalError| WorkerEvent::JournalFailed {
            message: e.to_string(),
        };
        loop {
            let fence_at = held
                .values()
                .filter(|h| !h.stop.is_cancelled())
                .map(|h| h.until)
                .min();
            // In this order: a worker that wakes from a pause fences and
            // renews before its tasks go on.
            tokio::select! {
                biased;
                () = stop.cancelled() => break,
                // (Without a fence, the timer is made but never polled.)
                () = tokio::time::sleep_until(fence_at.unwrap_or_else(Instant::now)), if fence_at.is_some() => {
                    let now = Instant::now();
                    for lapsed in held.values().filter(|h| h.until <= now) {
                        lapsed.stop.cancel();
                    }
                }
                _ = renew.tick(), if !held.is_empty() => {
                    let asked = Instant::now();
                    let intents: Vec<String> = held
                        .iter()
                        .filter(|(_, h)| !h.stop.is_cancelled())
                        .map(|(intent, _)| intent.clone())
                        .collect();
                    match self.queue.renew(&self.name, &intents, self.lease).await {
                        Ok(kept) => {
                            for intent in &intents {
                                let Some(task) = held.get_mut(intent) else { continue };
                                if kept.contains(intent) {
                                    task.until = crate::later::later(asked, self.lease);
                                } else {
                                    task.stop.cancel();
                                }
                            }
                        }
                        Err(e) => on_event(journal_failed(e)),
                    }
                }
                _ = claim.tick(), if held.len() < self.concurrency => {
                    let asked = Instant::now();
                    let room = self.concurrency - held.len();
                    match self.queue.claim(&self.name, self.lease, room).await {
                        Ok(entries) => {
                            for entry in entries {
                                let until = crate::later::later(asked, self.lease);
                                let Some((event, work)) = self.start(entry, until, &mut held) else { continue };
                                on_event(event);
                                running.push(work);
                            }
                        }
                        Err(e) => on_event(journal_failed(e)),
                    }
                }
                Some((intent, kind, task_id, outcome)) = running.next() => {
                    held.remove(&intent);
                    let event = self.settle(&intent, kind, task_id, outcome).await;
                    on_event(event);
                }
            }
        }
        for task in held.values() {
            task.stop.cancel();
        }
        drop(running);
        // What it was saving is dropped (its temporary files with it); a
        // dead worker's are swept too (killed, it could not remove them).
        if let Some(dir) = &self.download {
            crate::download::sweep_dead_temporaries(dir).await;
        }
        let intents: Vec<String> = held.into_keys().collect();
        if !intents.is_empty()
            && let Err(e) = self.queue.release(&self.name, &intents).await
        {
            on_event(journal_failed(e));
        }
        if let Some(fan_in) = fan_in {
            fan_in.abort();
        }
    }

    /// Starts following a claimed task, held until `until`: the event to
    /// tell, and the work.
    fn start(
        &self,
        entry: JournalEntry,
        until: Instant,
        held: &mut HashMap<String, Held>,
    ) -> Option<(WorkerEvent, Work)> {
        let task_id = entry.task_id.clone()?;
        let kind = entry.task_kind()?;
        let stop = CancellationToken::new();
        held.insert(
            entry.intent.clone(),
            Held {
                stop: stop.clone(),
                until,
            },
        );
        // The journal wrote the create down just before it was sent: a task
        // the API does not know yet is looked for from then.
        let created_ago = (chrono::Utc::now() - entry.created_at)
            .to_std()
            .unwrap_or_default();
        let job = Job {
            client: self.client.clone(),
            task_id: task_id.clone(),
            created_ago,
            wakeups: self.wakeups.clone(),
            download: self.download.clone(),
            deadline: self.deadline,
            cancel: stop,
        };
        let intent = entry.intent;
        let work: Work = Box::pin(async move {
            let outcome = job.follow(kind).await;
            (intent, kind, job.task_id, outcome)
        });
        Some((WorkerEvent::Claimed { kind, task_id }, work))
    }

    /// Reports or releases a task whose work ended.
    async fn settle(
        &self,
        intent: &str,
        kind: TaskKind,
        task_id: String,
        outcome: Outcome,
    ) -> WorkerEvent {
        match outcome {
            Outcome::Done { failure, files } => match self.queue.report(&self.name, intent).await {
                Ok(true) => WorkerEvent::Reported(Report {
                    kind,
                    task_id,
                    failure,
                    files,
                    worker: self.name.clone(),
                }),
                Ok(false) => WorkerEvent::LeaseLost { task_id },
                Err(e) => WorkerEvent::JournalFailed {
                    message: e.to_string(),
                },
            },
            Outcome::Lost => WorkerEvent::LeaseLost { task_id },
            Outcome::Release(reason) => {
                if let Err(e) = self.queue.release(&self.name, &[intent.to_owned()]).await {
                    tracing::warn!(error = %e, "could not give a task back");
                }
                WorkerEvent::Released { task_id, reason }
            }
        }
    }
}

/// Following one task: its wait and its files.
struct Job {
    client: Client,
    task_id: String,
    /// How long ago the create was journaled.
    created_ago: Duration,
    wakeups: Wakeups,
    download: Option<PathBuf>,
    deadline: Duration,
    cancel: CancellationToken,
}

impl Job {
    async fn follow(&self, kind: TaskKind) -> Outcome {
        crate::for_kind!(kind, F => self.follow_as::<F>().await).unwrap_or_else(|| {
            Outcome::Release(format!("{kind} tasks are not followed by this worker"))
        })
    }

    async fn follow_as<F: Family>(&self) -> Outcome
    where
        F::Record: TaskFiles,
    {
        let wait = Wait::<F>::new(&self.client, self.task_id.clone())
            .deadline(self.deadline)
            .created_ago(self.created_ago)
            .cancel_on(self.cancel.clone())
            .wake_on(&self.wakeups);
        let record = match wait.await {
            Ok(record) => record,
            Err(WaitError::TaskFailed {
                status, message, ..
            }) => {
                let failure = match message {
                    Some(m) => format!("{status}: {m}"),
                    None => status.to_string(),
                };
                return Outcome::Done {
                    failure: Some(failure),
                    files: Vec::new(),
                };
            }
            Err(WaitError::Cancelled) => return Outcome::Lost,
            Err(e) => return Outcome::Release(e.to_string()),
        };
        let Some(dir) = &self.download else {
            return Outcome::Done {
                failure: None,
                files: Vec::new(),
            };
        };
        // A lease lost meanwhile stops the downloads too: the new holder
        // writes the same files.
        let downloads = self.client.downloads();
        let saving = std::pin::pin!(downloads.all(record.files(), dir));
        let results = tokio::select! {
            biased;
            () = self.cancel.cancelled() => return Outcome::Lost,
            results = saving => results,
        };
        let mut files = Vec::new();
        for saved in results {
            match saved {
                Ok(saved) => files.push(saved),
                Err(e) => return Outcome::Release(format!("a file failed: {e}")),
            }
        }
        Outcome::Done {
            failure: None,
            files,
        }
    }
}

/// `host-pid-xxxx`: unique enough to tell workers apart in the journal.
fn default_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{}-{:04x}", std::process::id(), fastrand::u16(..))
}
