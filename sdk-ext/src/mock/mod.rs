//! A mock of the kie.ai API: a real HTTP server on 127.0.0.1 that answers
//! `GET /api/v1/generate/record-info` as the live API does, so tests, demos
//! and users' own test suites exercise real HTTP without a key.
//!
//! It checks the bearer key, plays scripted task lifecycles, answers unknown
//! ids as the live API does, enforces the live limit of 3 requests per
//! second per task (counting violations), injects faults at a seeded rate,
//! and logs every request.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use kie_suno::mock::{MockServer, Script};
//!
//! let server = MockServer::start().await?;
//! server.add_task("t1", Script::success(Duration::from_secs(10)));
//! let record = server.client()?.task("t1").await?;
//! assert_eq!(record.status(), kie_suno::TaskStatus::Pending);
//! assert_eq!(server.rate_violations(), 0);
//! # Ok(()) }
//! ```

mod faults;
mod script;
mod server;

pub use faults::{Fault, Faults};
pub use script::{Script, ScriptError};
pub use server::{Answer, LoggedRequest, MockBuilder, MockServer, UnknownTask};

/// The key the mock accepts unless told otherwise.
pub const DEFAULT_KEY: &str = "mock-key";
