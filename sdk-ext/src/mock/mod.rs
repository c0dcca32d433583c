//! A mock of the kie.ai API, to test against without a key.
//!
//! [`MockServer`] is a real HTTP server on 127.0.0.1 that answers every
//! create call, every kind's details endpoint and the credits call as the
//! live API does; [`Simulation`] is the same mock without sockets, on
//! tokio's clock. Both check the bearer key, play scripted task
//! lifecycles ([`Script`], [`KindScript`]), answer unknown ids as the live
//! API does, enforce the live limits (3 requests per second per task, 20
//! creates per 10 s per account; counting violations), spend and refuse
//! credits, inject faults at a seeded rate ([`Faults`]), including answers
//! lost after a task was made, and log every request
//! ([`MockApi::requests`]).
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

mod account;
mod api;
pub mod audio;
mod builder;
#[cfg(feature = "callbacks")]
mod callbacks;
mod calls;
mod creates;
mod faults;
mod files;
mod kinds;
mod log;
mod reply;
mod script;
mod server;
mod simulation;

pub use account::DEFAULT_CREDITS;
pub use api::MockApi;
pub use builder::{CREATED_MUSIC_TAKES, CREATED_OTHERS_TAKE, MockBuilder, UnknownTask};
#[cfg(feature = "callbacks")]
pub use callbacks::{CallbackDelivery, CallbackFaults};
pub use faults::{Fault, Faults};
pub use files::FileQuirks;
pub use kinds::KindScript;
pub use log::{Answer, LoggedRequest};
pub use script::{Script, ScriptError};
pub use server::MockServer;
pub use simulation::Simulation;

/// The key the mock accepts unless told otherwise.
pub const DEFAULT_KEY: &str = "mock-key";
