//! The mock without sockets: a [`Transport`] that hands each request of a
//! [`crate::Client`] to the mock's router in memory, on tokio's clock. The
//! client is the real one (the generated operations, hooks, body limit and
//! error mapping all run as over HTTP); only the network is missing. For
//! deterministic tests of waiting and for simulations.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use bytes::Bytes;
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use tower::ServiceExt;

use super::api::MockApi;
use super::builder::MockBuilder;
use crate::Transport;

/// An in-memory mock of the API; see [`MockBuilder::simulate`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), kie_suno::Error> {
/// use std::time::Duration;
/// use kie_suno::mock::{Simulation, Script};
/// let sim = Simulation::new_default();
/// sim.add_task("t", Script::success(Duration::from_secs(180)));
/// let record = sim.client().wait("t").await.expect("completes");
/// assert!(record.status().is_success()); // three simulated minutes, instantly
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Simulation {
    api: Arc<MockApi>,
    routes: Router,
}

/// The address a simulated client names; `.invalid` never resolves.
const SIMULATED_BASE_URL: &str = "http://simulation.invalid";

impl Deref for Simulation {
    type Target = MockApi;
    fn deref(&self) -> &MockApi {
        &self.api
    }
}

impl MockBuilder {
    /// The same mock without sockets: a client of it calls the mock's logic
    /// directly, on tokio's clock (so `start_paused` tests run a
    /// three-minute lifecycle in milliseconds).
    pub fn simulate(self) -> Simulation {
        Simulation::new(MockApi::new(self))
    }
}

impl Simulation {
    pub(crate) fn new(api: Arc<MockApi>) -> Self {
        let routes = super::server::routes(api.clone());
        Simulation { api, routes }
    }

    /// A simulation with the default settings (no faults).
    pub fn new_default() -> Self {
        MockBuilder::default().simulate()
    }

    /// A client whose requests this simulation answers, with the mock's
    /// key. (A mock key that cannot be sent in a header is replaced by one
    /// that can, so its requests are refused with 401.)
    ///
    /// # Panics
    /// Like `reqwest::Client::new`, if no HTTP client can be initialised.
    pub fn client(&self) -> crate::Client {
        match self.client_builder().build() {
            Ok(client) => client,
            Err(e) => panic!("cannot initialise an HTTP client: {e}"),
        }
    }

    /// The settings of [`Self::client`], to add to (a callback URL, a
    /// journal) before building.
    pub fn client_builder(&self) -> crate::ClientBuilder {
        let key = crate::ApiKey::new(self.api_key())
            .or_else(|_| crate::ApiKey::new("not-the-mock-key"))
            .expect("a constant key is valid");
        crate::Client::builder()
            .api_key(key)
            .base_url(SIMULATED_BASE_URL)
            .allow_insecure_http(true)
            .transport(Arc::new(self.clone()))
    }
}

impl Transport for Simulation {
    fn send(
        &self,
        request: reqwest::Request,
    ) -> Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send + '_>> {
        Box::pin(async move {
            let request = into_axum(request);
            let Ok(response) = self.routes.clone().oneshot(request).await;
            let (parts, body) = response.into_parts();
            // Replay the body frame by frame, ending with its error if it
            // had one (a connection closed mid-body).
            let mut body = body;
            let mut frames: Vec<Result<Frame<Bytes>, axum::Error>> = Vec::new();
            while let Some(frame) = body.frame().await {
                let failed = frame.is_err();
                frames.push(frame);
                if failed {
                    break;
                }
            }
            let body = StreamBody::new(futures_util::stream::iter(frames));
            let response = http::Response::from_parts(parts, reqwest::Body::wrap(body));
            Ok(reqwest::Response::from(response))
        })
    }
}

/// The request as the router takes it. The generated client sends JSON
/// bodies, which reqwest holds as bytes.
fn into_axum(request: reqwest::Request) -> http::Request<axum::body::Body> {
    let body = request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .map(Bytes::copy_from_slice)
        .unwrap_or_default();
    let mut builder = http::Request::builder()
        .method(request.method().clone())
        .uri(request.url().as_str());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    builder
        .body(axum::body::Body::from(body))
        .expect("a reqwest request is a valid http request")
}
