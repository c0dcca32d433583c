//! PostgreSQL for the tests: a fresh database per test, in the cluster
//! named by `KIE_TEST_POSTGRES_URL` (what `.ci/run` starts), or else in one
//! this test process starts with `.ci/postgres` and that stops when the
//! process ends. Only where no PostgreSQL binaries exist, and never in CI,
//! do the tests that need it skip, saying so.

use std::process::Command;
use std::sync::OnceLock;

use crate::skipped;

/// The variable naming a running cluster's URL.
pub const URL_VARIABLE: &str = "KIE_TEST_POSTGRES_URL";

/// The cluster's URL, or why there is none.
fn cluster() -> &'static Result<String, String> {
    static CLUSTER: OnceLock<Result<String, String>> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        if let Ok(url) = std::env::var(URL_VARIABLE)
            && !url.is_empty()
        {
            return Ok(url);
        }
        start_cluster(&std::env::temp_dir().join(format!("kie-suno-pg-{}", std::process::id())))
    })
}

/// `.ci/postgres`, which starts, restarts and stops test clusters.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/postgres");

/// Starts a cluster in `dir` that stops once this process is gone;
/// its URL, or why not.
fn start_cluster(dir: &std::path::Path) -> Result<String, String> {
    let output = Command::new(SCRIPT)
        .arg("start")
        .arg(dir)
        .arg(std::process::id().to_string())
        .output()
        .map_err(|e| format!("cannot run {SCRIPT}: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// A new, empty database for one test; `None` (after printing why) where
/// this machine has no PostgreSQL. In CI (`CI` set) a missing PostgreSQL
/// is a failure, never a skip.
pub async fn fresh_database() -> Option<String> {
    let base = match cluster() {
        Ok(url) => url.clone(),
        Err(why) if why.contains("no PostgreSQL binaries") => {
            return skipped(&format!(
                "{why}; set {URL_VARIABLE} to a cluster to run this test"
            ));
        }
        Err(why) => panic!("PostgreSQL is needed and could not be started: {why}"),
    };
    let (client, driver) = connect(&base)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test cluster {base}: {e}"));
    let name = format!("kie_{:016x}", fastrand::u64(..));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    drop(client);
    let _ = driver.await;
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database");
    Some(format!("{prefix}/{name}"))
}

/// A cluster of a test's own (it may restart it: the shared one must not
/// be), stopped and removed when dropped. `None` (after saying why)
/// where this machine has no PostgreSQL binaries; in CI, a failure.
pub struct OwnCluster {
    dir: std::path::PathBuf,
    /// Its `postgres://` URL.
    pub url: String,
}

impl OwnCluster {
    pub fn start() -> Option<OwnCluster> {
        let dir = std::env::temp_dir().join(format!(
            "kie-suno-own-pg-{}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        match start_cluster(&dir) {
            Ok(url) => Some(OwnCluster { dir, url }),
            Err(why) if why.contains("no PostgreSQL binaries") => skipped(&why),
            Err(why) => {
                panic!("a PostgreSQL cluster of the test's own could not be started: {why}")
            }
        }
    }

    /// Restarts it as a crash would (`pg_ctl restart -m immediate`).
    pub fn restart(&self) -> std::io::Result<()> {
        let output = Command::new(SCRIPT)
            .arg("restart")
            .arg(&self.dir)
            .output()?;
        if output.status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(
                String::from_utf8_lossy(&output.stderr).into_owned(),
            ))
        }
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(SCRIPT).arg("stop").arg(&self.dir).output();
    }
}

/// The CA certificate the test cluster's server certificate (for the name
/// `localhost`) is signed with: `root.crt` in its data directory, which
/// `.ci/postgres` writes. `None` (after printing why) where the cluster
/// has none or it cannot be read, as with a cluster on another machine;
/// in CI, a failure.
pub async fn cluster_ca(url: &str) -> Option<std::path::PathBuf> {
    let (client, _driver) = connect(url).await.expect("the test cluster");
    let dir: String = client
        .query_one("SHOW data_directory", &[])
        .await
        .expect("its data directory")
        .get(0);
    let ca = std::path::Path::new(&dir).join("root.crt");
    if ca.is_file() {
        return Some(ca);
    }
    skipped(&format!(
        "the test cluster has no CA certificate at {} (.ci/postgres makes one with openssl)",
        ca.display()
    ))
}

/// A plain connection to the database at `url` for a test's own queries,
/// and the task driving it (it ends when the client is dropped).
pub async fn connect(
    url: &str,
) -> Result<
    (
        tokio_postgres::Client,
        tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>,
    ),
    tokio_postgres::Error,
> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    Ok((client, tokio::spawn(connection)))
}

/// A TCP relay in front of a database, to take it away and bring it back:
/// while cut, open connections are dropped and new ones closed at once.
/// Armed with [`Relay::lose_answer_to`], it lets one statement through,
/// swallows the database's answer to it and drops that connection: the
/// statement ran (and committed), the client never learns.
pub struct Relay {
    /// The relay's address, to connect to instead of the database's.
    pub addr: std::net::SocketAddr,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    trigger: Trigger,
    accepting: tokio::task::JoinHandle<()>,
}

/// The statement text whose answer is to be lost, once, and how many
/// answers were lost.
type Trigger = std::sync::Arc<std::sync::Mutex<(Option<Vec<u8>>, usize)>>;

impl Relay {
    /// Relays to the host and port of `url`.
    pub async fn start(url: &str) -> std::io::Result<Relay> {
        let target = target_of(url)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let trigger: Trigger = Default::default();
        let accepting = {
            let (up, open, trigger) = (up.clone(), open.clone(), trigger.clone());
            tokio::spawn(async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    if !up.load(std::sync::atomic::Ordering::SeqCst) {
                        continue;
                    }
                    let (target, trigger) = (target.clone(), trigger.clone());
                    let relay = tokio::spawn(async move {
                        if let Ok(outbound) = tokio::net::TcpStream::connect(&target).await {
                            relay(inbound, outbound, trigger).await;
                        }
                    });
                    open.lock().unwrap_or_else(|p| p.into_inner()).push(relay);
                }
            })
        };
        Ok(Relay {
            addr,
            up,
            open,
            trigger,
            accepting,
        })
    }

    /// The next statement whose text contains `text` goes through and
    /// runs; its answer is swallowed and its connection dropped. Use a
    /// URL with `sslmode=disable`: the relay reads the statement's text.
    pub fn lose_answer_to(&self, text: &str) {
        self.trigger.lock().unwrap_or_else(|p| p.into_inner()).0 = Some(text.as_bytes().to_vec());
    }

    /// How many answers were lost so far.
    pub fn answers_lost(&self) -> usize {
        self.trigger.lock().unwrap_or_else(|p| p.into_inner()).1
    }

    /// `url` with the relay's address in place of the database's.
    pub fn url_for(&self, url: &str) -> String {
        let (scheme_user, rest) = url.split_once('@').unwrap_or(("postgres://", url));
        let db = rest.split_once('/').map_or("", |(_, db)| db);
        format!("{scheme_user}@{}/{db}", self.addr)
    }

    /// Takes the database away: every connection through the relay drops.
    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for relay in self
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            relay.abort();
        }
    }

    /// Brings it back.
    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accepting.abort();
        self.cut();
    }
}

/// Relays one connection both ways, losing an answer when armed.
async fn relay(inbound: tokio::net::TcpStream, outbound: tokio::net::TcpStream, trigger: Trigger) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = inbound.into_split();
    let (mut server_read, mut server_write) = outbound.into_split();
    let doomed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let to_server = {
        let doomed = doomed.clone();
        async move {
            let mut buffer = vec![0; 64 * 1024];
            // The statement was parsed ('P'): the next message runs it.
            let mut parsed = false;
            loop {
                let n = match client_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if parsed {
                    parsed = false;
                    doomed.store(true, std::sync::atomic::Ordering::SeqCst);
                } else {
                    let mut armed = trigger.lock().unwrap_or_else(|p| p.into_inner());
                    let hit = armed.0.as_ref().is_some_and(|text| {
                        buffer[..n]
                            .windows(text.len())
                            .any(|w| w == text.as_slice())
                    });
                    if hit {
                        armed.0 = None;
                        armed.1 += 1;
                        // A simple query ('Q') runs as it is sent.
                        match buffer[0] {
                            b'Q' => doomed.store(true, std::sync::atomic::Ordering::SeqCst),
                            _ => parsed = true,
                        }
                    }
                }
                if server_write.write_all(&buffer[..n]).await.is_err() {
                    return;
                }
            }
        }
    };
    let to_client = async move {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if doomed.load(std::sync::atomic::Ordering::SeqCst) {
                // The answer arrived: the statement ran. Lose it.
                return;
            }
            if client_write.write_all(&buffer[..n]).await.is_err() {
                return;
            }
        }
    };
    // Whichever side ends first ends the connection.
    tokio::select! {
        () = to_server => {}
        () = to_client => {}
    }
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn target_of(url: &str) -> std::io::Result<String> {
    let rest = url.split_once('@').map_or(url, |(_, r)| r);
    let host_port = rest.split('/').next().unwrap_or("");
    if host_port.is_empty() {
        return Err(std::io::Error::other(format!("no host in {url}")));
    }
    Ok(host_port.to_owned())
}
