//! A Rust SDK for the kie.ai Suno API: make music (and lyrics, WAV, stems,
//! MIDI, videos, covers), follow each task to its end with one poll engine,
//! and read what it made, with typed records, open enums for every
//! provider vocabulary, and a typed error for every way a call can fail.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use kie_suno::music::GenerateMusic;
//! let client = kie_suno::Client::from_env()?; // KIE_API_KEY, KIE_CALLBACK_URL
//! let task = client
//!     .music()
//!     .generate(GenerateMusic::from_description("a calm piano piece"))
//!     .await?;
//! let record = task.wait().await?;
//! for track in record.tracks() {
//!     let url = track.audio_url().map(String::from).unwrap_or_default();
//!     println!("{}: {url}", track.title().unwrap_or("untitled"));
//! }
//! # Ok(()) }
//! ```
//!
//! Each family has a namespace ([`Client::music`], [`Client::lyrics`],
//! [`Client::wav`], [`Client::vocal_separation`], [`Client::midi`],
//! [`Client::video`], [`Client::cover`]) with its create calls and
//! [`TaskHandle`]s; [`wait`] is the poll engine they share. Creates are
//! checked before sending, queued under the account's create limit, and
//! never resent once they may have reached the API
//! ([`Error::CreateOutcomeUnknown`]).
//!
//! [`download`] keeps a task's files; [`journal`] writes every create and
//! its task down (an SQLite file, or PostgreSQL for a fleet) and
//! [`worker`] lets any number of processes share that journal and see
//! every task to its end once.
//!
//! The generated client and its wire types are in [`generated`]; the
//! types here wrap them and can hand them back.
//!
//! # Features
//!
//! None is on by default: the default build is the client, waits,
//! downloads and the journal trait, on reqwest with rustls.
//!
//! | feature | what it adds |
//! |---|---|
//! | `journal` | [`journal::SqliteJournal`]: the task journal in an SQLite file (bundled SQLite) |
//! | `postgres` | [`journal::PostgresJournal`]: the journal in PostgreSQL, shared by a fleet, with leases, callback fan-out and the fleet's create limit |
//! | `callbacks` | [`callback`]: typed callback payloads, their signature check and an axum receiver |
//! | `schemars` | [`request_json`]: create requests read from JSON (`serde::Deserialize`), with their JSON Schemas (`schemars::JsonSchema`) |
//! | `mock` | [`mock`]: a mock of the API over HTTP on 127.0.0.1, or simulated in memory, for your tests |
//!
//! The runnable examples (`cargo run --example generate`, ...) use them
//! all, against the mock when `KIE_API_KEY` is not set.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Every `pub` item is reachable from the crate root: no accidental API.
#![warn(unreachable_pub)]

mod auth;
mod budget;
mod client;
mod codes;
pub mod cover;
mod create;
pub mod download;
mod download_url;
pub mod drift;
mod envelope;
mod error;
mod families;
pub mod fanout;
mod file_http;
mod handle;
mod hex;
mod host;
pub mod journal;
mod kind;
mod later;
mod limit;
pub mod lyrics;
pub mod midi;
pub mod music;
mod open_enum;
mod params;
mod record;
pub mod redact;
#[cfg(feature = "schemars")]
pub mod request_json;
pub mod separation;
mod single_result;
mod status;
mod sync;
pub mod time;
mod validate;
pub mod video;
pub mod wait;
pub mod wav;
pub mod worker;

#[cfg(feature = "callbacks")]
pub mod callback;
#[cfg(feature = "mock")]
pub mod mock;

/// The client generated from `sdk/openapi.json` (crate `kie-suno-sdk`).
pub use kie_suno_sdk as generated;
/// The reqwest this crate is built with, for [`ClientBuilder::http_client`].
pub use reqwest;

pub use auth::ApiKey;
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_TIMEOUT,
};
pub use codes::{ApiCode, TaskErrorCode};
pub use error::Error;
pub use handle::TaskHandle;
pub use kie_suno_sdk::Transport;
pub use kind::TaskKind;
pub use limit::CreateLimit;
pub use params::{GenerationParams, Model, ParamsError};
pub use record::{MissingFile, MusicRecord, TaskError, Track};
/// The decimal type of [`Client::credits`].
pub use rust_decimal::Decimal;
pub use single_result::{JobRecord, JobStatus};
pub use status::{OperationType, TaskStatus};

/// The README's Rust blocks, compiled (and, unless marked `no_run`, run)
/// as doctests, so that a block that stops compiling fails the tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
