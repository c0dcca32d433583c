//! [`MockBuilder`]: a mock's settings (its key, credits, create limit,
//! faults, what created tasks play, where files and callbacks go), made
//! into a mock by [`MockBuilder::start`] (over HTTP) or
//! [`MockBuilder::simulate`] (in memory).

use std::time::Duration;

use super::account::{CREATE_WINDOW, CREATES_PER_WINDOW, DEFAULT_CREDITS};
use super::faults::Faults;
use super::kinds::KindScript;
use super::script::Script;

/// How long a music task a create makes plays by default: seconds, so
/// that an app tried against the mock sees its whole flow at once.
pub const CREATED_MUSIC_TAKES: Duration = Duration::from_secs(15);

/// How long a task of another kind a create makes plays by default.
pub const CREATED_OTHERS_TAKE: Duration = Duration::from_secs(5);

/// How the mock answers a task id it does not know. The live API has
/// answered both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownTask {
    /// `{"code": 200, "data": null}`.
    #[default]
    NullData,
    /// `{"code": 422, "msg": "recordInfo is null"}`.
    Code422,
}

/// Settings for a mock: served over HTTP ([`MockBuilder::start`]) or
/// simulated in memory ([`MockBuilder::simulate`]).
#[derive(Debug, Clone)]
pub struct MockBuilder {
    pub(super) port: u16,
    pub(super) api_key: String,
    pub(super) faults: Faults,
    pub(super) unknown_task: UnknownTask,
    pub(super) credits: i64,
    pub(super) lifecycles: Vec<Script>,
    pub(super) kind_lifecycles: Vec<KindScript>,
    pub(super) create_limit: (usize, Duration),
    pub(super) download_base: Option<String>,
    pub(super) file_quirks: super::FileQuirks,
    #[cfg(feature = "callbacks")]
    pub(super) callbacks: Option<super::CallbackDelivery>,
}

impl Default for MockBuilder {
    fn default() -> Self {
        MockBuilder {
            port: 0,
            api_key: super::DEFAULT_KEY.to_owned(),
            faults: Faults::default(),
            unknown_task: UnknownTask::default(),
            credits: DEFAULT_CREDITS,
            lifecycles: vec![Script::success(CREATED_MUSIC_TAKES)],
            kind_lifecycles: vec![KindScript::done_after(CREATED_OTHERS_TAKE)],
            create_limit: (CREATES_PER_WINDOW, CREATE_WINDOW),
            download_base: None,
            file_quirks: super::FileQuirks::default(),
            #[cfg(feature = "callbacks")]
            callbacks: None,
        }
    }
}

impl MockBuilder {
    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The key the mock accepts (default [`super::DEFAULT_KEY`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Faults to inject (default none).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Posts each task's callbacks (HTTP mock only).
    #[cfg(feature = "callbacks")]
    pub fn callbacks(mut self, delivery: super::CallbackDelivery) -> Self {
        self.callbacks = Some(delivery);
        self
    }

    /// The account's credits (default 1000). Each create spends some;
    /// one the balance does not cover is refused with code 402.
    pub fn credits(mut self, credits: i64) -> Self {
        self.credits = credits;
        self
    }

    /// What each music task a create makes plays (default
    /// `Script::success(15 s)`: lyrics at 2.25 s, a stream at 6 s, done
    /// at 15 s, the live shape in seconds; `Script::success(150 s)` is
    /// closer to the live timing).
    pub fn lifecycle(mut self, script: Script) -> Self {
        self.lifecycles = vec![script];
        self
    }

    /// Created music tasks play these in turn (the first task the first
    /// one, ...); see [`MockApi::scripted_end`](super::MockApi::scripted_end). An empty list is ignored.
    pub fn lifecycles(mut self, scripts: Vec<Script>) -> Self {
        if !scripts.is_empty() {
            self.lifecycles = scripts;
        }
        self
    }

    /// Created tasks of other kinds play these in turn. An empty list is
    /// ignored.
    pub fn kind_lifecycles(mut self, scripts: Vec<KindScript>) -> Self {
        if !scripts.is_empty() {
            self.kind_lifecycles = scripts;
        }
        self
    }

    /// Where the download URL call's temporary links point (default: the
    /// mock server itself, which serves them; `https://files.mock.invalid`
    /// in a simulation): a file `…/a/b/song.mp3` gets
    /// `<base>/signed/song.mp3`. Point it at a file server of your own to
    /// test downloads that need a fresh link.
    pub fn download_links(mut self, base: impl Into<String>) -> Self {
        self.download_base = Some(base.into());
        self
    }

    /// The account's create limit (default the live one: 20 per 10 s).
    /// Creates beyond it are refused with code 429.
    pub fn create_limit(mut self, requests: usize, per: Duration) -> Self {
        self.create_limit = (requests, per);
        self
    }

    /// What each task of another kind a create makes plays (default: done
    /// after 5 s).
    pub fn kind_lifecycle(mut self, script: KindScript) -> Self {
        self.kind_lifecycles = vec![script];
        self
    }

    /// How the file host misbehaves (default: it does not); see
    /// [`super::FileQuirks`].
    pub fn file_quirks(mut self, quirks: super::FileQuirks) -> Self {
        self.file_quirks = quirks;
        self
    }

    /// How unknown task ids are answered.
    pub fn unknown_task(mut self, answer: UnknownTask) -> Self {
        self.unknown_task = answer;
        self
    }
}
