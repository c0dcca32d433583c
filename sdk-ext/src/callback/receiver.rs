//! Receiving callbacks over HTTP: an axum [`Router`] to mount in an
//! application, or a small standalone server ([`Receiver::serve`]). Each
//! delivery is checked by the [`Verifier`] and answered at once (the
//! provider waits 15 s and gives up after 3 failures); verified, new
//! deliveries go to a channel for the application to act on. Repeats are
//! answered 200 and not passed on; refused ones get 401, 400, 408 or 413.
//!
//! Under abuse it keeps answering: a body must arrive within the body
//! timeout (10 s), and [`Receiver::serve`] also closes connections whose
//! headers take longer than the header timeout (10 s) and refuses
//! connections beyond the cap (1024 open at once); see [`Limits`]. A
//! router mounted in an application gets the body timeout; the header
//! timeout and the cap are the application server's to set.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use tokio::sync::mpsc;

use super::{Delivery, Rejection, Verifier};
use crate::client::Client;
use crate::fanout::Fanout;
use crate::kind::TaskKind;
use crate::wait::Wakeups;

/// What the receiver saw, for the application: a verified new delivery,
/// or a refused one (to log; never acted on).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Received {
    /// A verified delivery seen for the first time.
    Callback(Delivery),
    /// A delivery refused, and why.
    Refused(Rejection),
}

/// Deliveries queued for the application before new ones are dropped (and
/// answered 200 all the same: a lost callback costs a safety-net poll).
const QUEUE: usize = 1024;

/// How much a receiver lets one client take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The longest a client may take to send a request's headers
    /// ([`Receiver::serve`] only); also how long an idle connection is
    /// kept.
    pub header_timeout: Duration,
    /// The longest a client may take to send a body, from its headers.
    pub body_timeout: Duration,
    /// Connections open at once; more are closed as they come
    /// ([`Receiver::serve`] only).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

struct Shared {
    verifier: Verifier,
    family: Option<TaskKind>,
    wakeups: Option<Wakeups>,
    fanout: Option<Arc<dyn Fanout>>,
    linker: Option<Client>,
    body_timeout: Duration,
    sink: mpsc::Sender<Received>,
}

/// Builds receivers; see [`Receiver::router`] and [`Receiver::serve`].
#[derive(Debug)]
pub struct Receiver {
    verifier: Verifier,
    family: Option<TaskKind>,
    wakeups: Option<Wakeups>,
    fanout: Option<Arc<dyn Fanout>>,
    linker: Option<Client>,
    limits: Limits,
}

impl Receiver {
    /// A receiver whose deliveries `verifier` checks. The family of each
    /// delivery is recognised from its shape ([`TaskKind::of_callback_body`]) unless
    /// [`Receiver::kind`] fixes it.
    pub fn new(verifier: Verifier) -> Self {
        Receiver {
            verifier,
            family: None,
            wakeups: None,
            fanout: None,
            linker: None,
            limits: Limits::default(),
        }
    }

    /// The header and body timeouts and the connection cap (defaults:
    /// 10 s, 10 s, 1024).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The longest a client may take to send its headers (default 10 s).
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout;
        self
    }

    /// The longest a client may take to send its body (default 10 s).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_timeout = timeout;
        self
    }

    /// Connections open at once (default 1024, at least 1).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections.max(1);
        self
    }

    /// Wakes the waits given `wakeups` ([`crate::wait::Wait::wake_on`]) on
    /// each verified delivery about their task (repeats too: only the
    /// channel drops them).
    pub fn wake(mut self, wakeups: &Wakeups) -> Self {
        self.wakeups = Some(wakeups.clone());
        self
    }

    /// Passes each verified, new delivery on to every process through
    /// `fanout` (e.g. a [`PostgresJournal`](crate::journal::PostgresJournal)),
    /// in the background: the provider is answered at once. This process
    /// hears it back through its own [`Fanout::subscribe`], so give it
    /// that rather than [`Receiver::wake`] as well. A delivery that cannot
    /// be passed on is logged; its waits still have their safety-net poll.
    pub fn publish_to(mut self, fanout: Arc<dyn Fanout>) -> Self {
        self.fanout = Some(fanout);
        self
    }

    /// Finds creates whose answer was lost again: each new delivery whose
    /// URL carries a verified create reference is linked to its task in
    /// `client`'s journal, in the background ([`super::link`]: the
    /// provider is answered at once). The verifier reads the references
    /// under that journal's key, unless it was given a journal already
    /// ([`Verifier::references`], [`Verifier::url_token`]).
    pub fn link(mut self, client: Client) -> Self {
        if self.verifier.references.is_none()
            && let Some(journal) = client.journal()
        {
            self.verifier = self.verifier.references(journal.clone());
        }
        self.linker = Some(client);
        self
    }

    /// Every delivery is of this kind (one URL per kind).
    pub fn kind(mut self, kind: TaskKind) -> Self {
        self.family = Some(kind);
        self
    }

    /// A router that accepts `POST` on any path, and the channel its
    /// deliveries arrive on. Mount it with [`Router::nest`] or
    /// [`Router::merge`].
    pub fn router(self) -> (Router, mpsc::Receiver<Received>) {
        let (sink, received) = mpsc::channel(QUEUE);
        let limit = self.verifier.max_body_limit();
        let shared = Arc::new(Shared {
            verifier: self.verifier,
            family: self.family,
            wakeups: self.wakeups,
            fanout: self.fanout,
            linker: self.linker,
            body_timeout: self.limits.body_timeout,
            sink,
        });
        let router = Router::new()
            .route("/", post(deliver))
            .route("/{*path}", post(deliver))
            // One byte over the verifier's cap, so that it is the verifier
            // that refuses (with its own reason).
            .layer(DefaultBodyLimit::max(limit.saturating_add(1)))
            .with_state(shared);
        (router, received)
    }

    /// Serves the router on `addr` in a task of its own, within its
    /// [`Limits`]; returns the bound address (for port 0) and the
    /// deliveries. The server stops when the returned handle is aborted
    /// or the runtime ends.
    pub async fn serve(
        self,
        addr: SocketAddr,
    ) -> std::io::Result<(
        SocketAddr,
        mpsc::Receiver<Received>,
        tokio::task::JoinHandle<()>,
    )> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let limits = self.limits;
        let (router, received) = self.router();
        let serving = tokio::spawn(accept(listener, router, limits));
        Ok((bound, received, serving))
    }
}

/// Accepts connections while fewer than the cap are open, each served
/// over HTTP/1.1 with the header timeout (which also ends idle
/// keep-alive connections).
async fn accept(listener: tokio::net::TcpListener, router: Router, limits: Limits) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, or a connection reset before
                // it was taken: wait a moment rather than spin.
                tracing::warn!(error = %e, "callback receiver cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::warn!(
                cap = limits.max_connections,
                "callback receiver at its connection cap: closing a new connection"
            );
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            let _ = connection.await;
            drop(permit);
        });
    }
}

async fn deliver(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    let limit = shared.verifier.max_body_limit();
    // One byte over the cap, so that it is the verifier that refuses.
    let read = axum::body::to_bytes(body, limit.saturating_add(1));
    let body = match tokio::time::timeout(shared.body_timeout, read).await {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => {
            let too_long = e
                .into_inner()
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return match too_long {
                true => StatusCode::PAYLOAD_TOO_LARGE,
                false => StatusCode::BAD_REQUEST,
            };
        }
        Err(_) => return StatusCode::REQUEST_TIMEOUT,
    };
    let checked = shared.verifier.check_request(
        shared.family,
        uri.query(),
        &headers,
        &body,
        SystemTime::now(),
    );
    // Every verified delivery wakes the task's waits, repeats included: a
    // lie may have come first with the same body, and the poll it causes
    // is what a wait reports (the rate budget bounds a replay storm).
    if let (Ok(delivery), Some(wakeups)) = (&checked, &shared.wakeups) {
        wakeups.notify(&delivery.callback.task_id, delivery.callback.claim());
    }
    if let (Ok(delivery), Some(fanout)) = (&checked, &shared.fanout)
        && !delivery.repeat
    {
        let (fanout, callback) = (fanout.clone(), delivery.callback.clone());
        tokio::spawn(async move {
            let published = fanout.publish(callback.kind(), &callback.task_id, callback.claim());
            if let Err(e) = published.await {
                tracing::warn!(task = %callback.task_id, error = %e, "could not pass a callback on to the fleet");
            }
        });
    }
    if let (Ok(delivery), Some(client)) = (&checked, &shared.linker)
        && !delivery.repeat
        && delivery.reference.is_some()
    {
        let (client, delivery) = (client.clone(), delivery.clone());
        tokio::spawn(async move {
            let task = delivery.callback.task_id.clone();
            match super::link(&client, &delivery).await {
                Ok(super::Linked::NotLinked { reason }) => {
                    tracing::warn!(
                        task,
                        reason,
                        "a callback's create was not linked to its task"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(task, error = %e, "could not link a callback's create"),
            }
        });
    }
    let (status, news) = match checked {
        Ok(delivery) if delivery.repeat => (StatusCode::OK, None),
        Ok(delivery) => (StatusCode::OK, Some(Received::Callback(delivery))),
        Err(rejection) => (
            StatusCode::from_u16(rejection.http_status()).unwrap_or(StatusCode::UNAUTHORIZED),
            Some(Received::Refused(rejection)),
        ),
    };
    if let Some(news) = news
        && let Err(mpsc::error::TrySendError::Full(_)) = shared.sink.try_send(news)
    {
        tracing::warn!("callback queue full: delivery not passed on");
    }
    status
}
