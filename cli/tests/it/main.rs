//! The `suno` command's end-to-end tests, as one binary: each module
//! drives the built `suno` against the embedded mock (and PostgreSQL for
//! the fleet), and opens with what it proves.

mod cli;
mod common;
mod create;
mod fleet;
mod journal;
mod mcp;
mod worker;
