//! The journal at scale, on the real engines: a journal holding
//! `finished` tasks (ended and reported, each with two saved files) and
//! `unfinished` ones (made, waiting for a worker), loaded with one SQL
//! statement per table; then 8 workers (each its own connection, as 8
//! processes) claiming at once, each reporting what it claimed as a
//! worker does, and `entries(false)` (what `suno tasks` lists). For `cargo xtask bench`'s `journal` group.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kie_suno::journal::{Journal, LeaseQueue, PostgresJournal, SqliteJournal};

/// How big a journal to measure.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub unfinished: usize,
    pub finished: usize,
}

/// What one engine measured.
#[derive(Debug, Default)]
pub struct Figures {
    /// Per round: the 99th percentile of every claim's latency, ms.
    pub claim_p99_ms: Vec<f64>,
    /// The 99th percentile of one worker's claims, alone.
    pub claim_p99_ms_alone: f64,
    /// Per round: how long listing the unfinished tasks took, ms.
    pub list_unfinished_ms: Vec<f64>,
    /// The store's size per task it holds (finished and unfinished).
    pub bytes_per_task: f64,
    /// Claims or listings that failed or gave a wrong count.
    pub failures: usize,
}

/// Workers claiming at once.
pub const WORKERS: usize = 8;
/// Tasks each claim asks for.
const CLAIM_MAX: usize = 8;

/// The 99th percentile of `samples` (nearest rank).
pub fn p99(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let rank = ((samples.len() as f64) * 0.99).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

/// One worker's claims, each followed by the reports of what it
/// claimed, as a worker reports each task once it has followed it (here
/// at once): every claim's latency, and how many calls failed.
async fn claiming(queue: Arc<dyn LeaseQueue>, holder: String, claims: usize) -> (Vec<f64>, usize) {
    let mut latencies = Vec::new();
    let mut failed = 0;
    for _ in 0..claims {
        let started = Instant::now();
        let claimed = queue
            .claim(&holder, Duration::from_secs(3600), CLAIM_MAX)
            .await;
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        let Ok(entries) = claimed else {
            failed += 1;
            continue;
        };
        if entries.len() != CLAIM_MAX {
            failed += 1;
        }
        for entry in entries {
            if !matches!(queue.report(&holder, &entry.intent).await, Ok(true)) {
                failed += 1;
            }
        }
    }
    (latencies, failed)
}

/// Runs the claims and listings on `queues` (one per worker) and `list`
/// (the journal `suno tasks` reads), `rounds` times.
async fn measure(
    queues: Vec<Arc<dyn LeaseQueue>>,
    list: Arc<dyn Journal>,
    size: Size,
    rounds: usize,
    claims_per_worker: usize,
) -> Figures {
    let mut figures = Figures::default();
    let (mut alone, failed) = claiming(
        queues[0].clone(),
        "bench-alone".into(),
        claims_per_worker * 4,
    )
    .await;
    figures.failures += failed;
    figures.claim_p99_ms_alone = p99(&mut alone);
    for round in 0..rounds {
        let runs = queues.iter().enumerate().map(|(w, queue)| {
            tokio::spawn(claiming(
                queue.clone(),
                format!("bench-{round}-{w}"),
                claims_per_worker,
            ))
        });
        let mut latencies = Vec::new();
        for run in futures_util::future::join_all(runs).await {
            match run {
                Ok((mut l, failed)) => {
                    latencies.append(&mut l);
                    figures.failures += failed;
                }
                Err(_) => figures.failures += 1,
            }
        }
        figures.claim_p99_ms.push(p99(&mut latencies));

        let started = Instant::now();
        let listed = list.entries(false).await;
        figures
            .list_unfinished_ms
            .push(started.elapsed().as_secs_f64() * 1e3);
        if !matches!(&listed, Ok(entries) if entries.len() == size.unfinished) {
            figures.failures += 1;
        }
    }
    figures
}

/// The SQLite journal in a file under `dir`.
pub async fn sqlite(
    dir: &std::path::Path,
    size: Size,
    rounds: usize,
    claims_per_worker: usize,
) -> std::io::Result<Figures> {
    let path = dir.join("journal.sqlite3");
    let _ = std::fs::remove_file(&path);
    drop(SqliteJournal::open(&path).map_err(std::io::Error::other)?);
    load_sqlite(&path, size).map_err(std::io::Error::other)?;
    let bytes = std::fs::metadata(&path)?.len() as f64;
    let mut queues: Vec<Arc<dyn LeaseQueue>> = Vec::new();
    for _ in 0..WORKERS {
        queues.push(Arc::new(
            SqliteJournal::open(&path).map_err(std::io::Error::other)?,
        ));
    }
    let list: Arc<dyn Journal> =
        Arc::new(SqliteJournal::open(&path).map_err(std::io::Error::other)?);
    let mut figures = measure(queues, list, size, rounds, claims_per_worker).await;
    figures.bytes_per_task = bytes / (size.finished + size.unfinished) as f64;
    Ok(figures)
}

fn load_sqlite(path: &std::path::Path, size: Size) -> rusqlite::Result<()> {
    let mut db = rusqlite::Connection::open(path)?;
    let tx = db.transaction()?;
    // Finished tasks are older than unfinished ones, one a second.
    let total = (size.finished + size.unfinished) as i64;
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO creates (intent, kind, operation, fingerprint, created_at, state, task_id,
                              status, updated_at, reported_at, reported_by)
         SELECT printf('%032x', i), 'music', 'generate-music', printf('%016x', i),
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d seconds', ?3 - i)),
                CASE WHEN i <= ?2 THEN 'completed' ELSE 'created' END,
                printf('t%031x', i),
                CASE WHEN i <= ?2 THEN 'SUCCESS' ELSE 'PENDING' END,
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                CASE WHEN i <= ?2 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END,
                CASE WHEN i <= ?2 THEN 'worker-0' END
         FROM n",
        rusqlite::params![total, size.finished as i64, total],
    )?;
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO files (task_id, path, bytes, saved_at)
         SELECT printf('t%031x', i), printf('/music/%d-%d.mp3', i, j), 4000000,
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         FROM n, (SELECT 1 AS j UNION ALL SELECT 2)",
        rusqlite::params![size.finished as i64],
    )?;
    tx.commit()?;
    // A journal grows a task at a time, its write-ahead log checkpointed
    // as it goes; this one grew at once: checkpoint it before measuring.
    db.execute_batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")
}

/// The PostgreSQL journal in a fresh database of the cluster at `url`
/// (a database URL of it).
pub async fn postgres(
    database: &str,
    size: Size,
    rounds: usize,
    claims_per_worker: usize,
) -> std::io::Result<Figures> {
    let journal = PostgresJournal::open(database)
        .await
        .map_err(std::io::Error::other)?;
    let (client, driver) = tokio_postgres::connect(database, tokio_postgres::NoTls)
        .await
        .map_err(pg)?;
    let driver = tokio::spawn(driver);
    let total = (size.finished + size.unfinished) as i64;
    let finished = size.finished as i64;
    client
        .execute(
            "INSERT INTO kie_suno_creates (intent, kind, operation, fingerprint, created_at,
                                           state, task_id, status, updated_at, reported_at,
                                           reported_by)
             SELECT lpad(to_hex(i), 32, '0'), 'music', 'generate-music', lpad(to_hex(i), 16, '0'),
                    now() - make_interval(secs => ($1 - i)::float8),
                    CASE WHEN i <= $2 THEN 'completed' ELSE 'created' END,
                    't' || lpad(to_hex(i), 31, '0'),
                    CASE WHEN i <= $2 THEN 'SUCCESS' ELSE 'PENDING' END,
                    now(),
                    CASE WHEN i <= $2 THEN now() END,
                    CASE WHEN i <= $2 THEN 'worker-0' END
             FROM generate_series(1::bigint, $1) AS i",
            &[&total, &finished],
        )
        .await
        .map_err(pg)?;
    client
        .execute(
            "INSERT INTO kie_suno_files (task_id, path, bytes)
             SELECT 't' || lpad(to_hex(i), 31, '0'), '/music/' || i || '-' || j || '.mp3', 4000000
             FROM generate_series(1::bigint, $1) AS i, generate_series(1, 2) AS j",
            &[&finished],
        )
        .await
        .map_err(pg)?;
    // One statement each: VACUUM runs outside a transaction only.
    for table in ["kie_suno_creates", "kie_suno_files"] {
        client
            .batch_execute(&format!("VACUUM ANALYZE {table}"))
            .await
            .map_err(pg)?;
    }
    let bytes: i64 = client
        .query_one(
            "SELECT pg_total_relation_size('kie_suno_creates')
                    + pg_total_relation_size('kie_suno_files')",
            &[],
        )
        .await
        .map_err(pg)?
        .get(0);
    drop(client);
    let _ = driver.await;
    let mut queues: Vec<Arc<dyn LeaseQueue>> = Vec::new();
    for _ in 0..WORKERS {
        queues.push(Arc::new(
            PostgresJournal::open(database)
                .await
                .map_err(std::io::Error::other)?,
        ));
    }
    let mut figures = measure(queues, Arc::new(journal), size, rounds, claims_per_worker).await;
    figures.bytes_per_task = bytes as f64 / total as f64;
    Ok(figures)
}

/// A PostgreSQL error with the server's message (its `Display` is only
/// "db error").
fn pg(e: tokio_postgres::Error) -> std::io::Error {
    let message = e
        .as_db_error()
        .map_or_else(|| e.to_string(), |db| db.message().to_owned());
    std::io::Error::other(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_99th_percentile_is_the_nearest_rank() {
        let mut hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(p99(&mut hundred), 99.0);
        assert_eq!(p99(&mut [5.0]), 5.0);
        let mut ten: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        assert_eq!(p99(&mut ten), 10.0);
    }
}
