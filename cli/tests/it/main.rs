//! The `suno` command's end-to-end tests, as one binary: each module
//! drives the built `suno` against the embedded mock (and PostgreSQL for
//! the fleet), and opens with what it proves.

// The tests print their reports to the harness, which captures them; the
// rule of cli/clippy.toml is for what `suno` prints.
#![allow(clippy::disallowed_macros)]

mod cli;
mod common;
mod create;
mod fleet;
mod journal;
mod mcp;
mod worker;
