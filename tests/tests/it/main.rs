//! The workspace's integration tests, as one binary (each module is what
//! was a test binary of its own: one link of the dependency tree instead
//! of twenty-two). Each module opens with what it proves.

mod callbacks;
mod callbacks_http;
mod client;
mod creates;
mod decode_props;
mod downloads;
mod drift;
mod families;
mod generated_code;
mod generated_decoding;
mod journal;
mod journal_contract;
mod live_files;
mod live_lifecycle;
mod lost_creates;
mod mock_conformance;
mod names;
mod other_apis;
mod pages;
mod postgres_journal;
mod security;
mod soak;
mod spec_updates;
mod types;
mod wait_http;
mod wait_hybrid;
mod wait_simulated;
mod worker;
