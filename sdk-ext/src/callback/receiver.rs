//! Receiving callbacks over HTTP: an axum [`Router`] to mount in an
//! application, or a small standalone server ([`Receiver::serve`]). Each
//! delivery is checked by the [`Verifier`] and answered at once (the
//! provider waits 15 s and gives up after 3 failures); verified, new
//! deliveries go to a channel for the application to act on. Repeats are
//! answered 200 and not passed on; refused ones get 401, 400 or 413.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::mpsc;

use super::{Delivery, Rejection, Verifier};
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

struct Shared {
    verifier: Verifier,
    family: Option<TaskKind>,
    wakeups: Option<Wakeups>,
    sink: mpsc::Sender<Received>,
}

/// Builds receivers; see [`Receiver::router`] and [`Receiver::serve`].
#[derive(Debug)]
pub struct Receiver {
    verifier: Verifier,
    family: Option<TaskKind>,
    wakeups: Option<Wakeups>,
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
        }
    }

    /// Wakes the waits given `wakeups` ([`crate::wait::Wait::wake_on`]) on
    /// each verified delivery about their task (repeats too: only the
    /// channel drops them).
    pub fn wake(mut self, wakeups: &Wakeups) -> Self {
        self.wakeups = Some(wakeups.clone());
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

    /// Serves the router on `addr` in a task of its own; returns the bound
    /// address (for port 0) and the deliveries. The server stops when the
    /// returned handle is aborted or the runtime ends.
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
        let (router, received) = self.router();
        let serving = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok((bound, received, serving))
    }
}

async fn deliver(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let family = shared.family.unwrap_or_else(|| {
        serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| TaskKind::of_callback_body(&v))
            .unwrap_or(TaskKind::Music)
    });
    let checked = shared
        .verifier
        .check(family, &headers, &body, SystemTime::now());
    // Every verified delivery wakes the task's waits, repeats included: a
    // lie may have come first with the same body, and the poll it causes
    // is what a wait reports (the rate budget bounds a replay storm).
    if let (Ok(delivery), Some(wakeups)) = (&checked, &shared.wakeups) {
        wakeups.notify(&delivery.callback.task_id, delivery.callback.claim());
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
