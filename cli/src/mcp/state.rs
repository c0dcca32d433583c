//! What `suno mcp` works with, shared by every tool: the client (with
//! its journal), the journal to list, where files go, and the memory of
//! recent creates.

use std::path::PathBuf;
use std::sync::Arc;

use kie_suno::Client;
use kie_suno::journal::Journal;

use super::repeats::Repeats;

/// The server's state; one per `suno mcp` process.
pub struct State {
    pub client: Client,
    pub journal: Arc<dyn Journal>,
    /// Where `download_task` saves files.
    pub download_dir: PathBuf,
    pub repeats: Repeats,
}
