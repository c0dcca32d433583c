//! The mock without sockets: a [`crate::Client`] whose requests go straight
//! to [`MockApi`] and come back through the same decoding as HTTP answers,
//! on tokio's clock. For deterministic tests of waiting and for simulations.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use super::api::{MockApi, MockBuilder, Reply};
use crate::envelope;
use crate::error::Error;
use crate::generated::types::RecordInfoResponse;

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
}

impl Deref for Simulation {
    type Target = MockApi;
    fn deref(&self) -> &MockApi {
        &self.api
    }
}

impl Simulation {
    pub(crate) fn new(api: Arc<MockApi>) -> Self {
        Simulation { api }
    }

    /// A simulation with the default settings (no faults).
    pub fn new_default() -> Self {
        MockBuilder::default().simulate()
    }

    /// A client whose requests this simulation answers.
    pub fn client(&self) -> crate::Client {
        crate::Client::simulated(self.clone())
    }

    /// One request, answered and decoded as the HTTP client would decode it.
    pub(crate) async fn fetch(
        &self,
        task_id: &str,
    ) -> Result<(RecordInfoResponse, Option<Duration>), Error> {
        let reply = self
            .api
            .handle(true, Some(task_id.to_owned()), None, Vec::new())
            .await;
        let (body, retry_after_secs) = match reply {
            Reply::Json {
                body,
                retry_after_secs,
            } => (body, retry_after_secs),
            Reply::Html { status } => {
                return Err(Error::Http {
                    status,
                    body_snippet: format!("<html><head><title>{status}</title>"),
                    retry_after: None,
                });
            }
            // Not drawn in a simulation (see `MockBuilder::simulate`); if it
            // were, the client would see half a body.
            Reply::CloseMidBody { full } => (full[..full.len() / 2].to_owned(), None),
        };
        let envelope = envelope::decode(body.as_bytes())?;
        Ok((envelope, retry_after_secs.map(Duration::from_secs)))
    }
}
