//! The mock's account and its create operations: the credits each create
//! spends (refused at zero with code 402), the account's create limit (20
//! per 10 s, refused beyond with code 429, as live), and the ids of new
//! tasks.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::kind::TaskKind;
use crate::sync::lock;

/// Creates the live API accepts per account in any window of this length.
pub(crate) const CREATES_PER_WINDOW: usize = 20;
pub(crate) const CREATE_WINDOW: Duration = Duration::from_secs(10);

/// Credits a new mock account holds unless told otherwise.
pub const DEFAULT_CREDITS: i64 = 1000;

/// One create operation: where it is, what it makes, what it costs, and
/// the fields its page requires.
#[derive(Debug)]
pub(crate) struct CreateOperation {
    pub(crate) path: &'static str,
    pub(crate) name: &'static str,
    pub(crate) kind: TaskKind,
    /// Illustrative: only vocal separation states its price on its page
    /// (10 credits, 50 for `split_stem`).
    pub(crate) cost: i64,
    pub(crate) required: &'static [&'static str],
}

impl CreateOperation {
    /// The cost of this request (separation's depends on its type).
    pub(crate) fn cost_of(&self, body: &Value) -> i64 {
        match body.get("type").and_then(Value::as_str) {
            Some("split_stem") if self.kind == TaskKind::VocalSeparation => 50,
            _ => self.cost,
        }
    }

    /// The first required field the body lacks (absent or null; an empty
    /// text is present: custom instrumental music sends an empty prompt).
    pub(crate) fn missing(&self, body: &Value) -> Option<&'static str> {
        self.required
            .iter()
            .copied()
            .find(|field| matches!(body.get(field), None | Some(Value::Null)))
    }
}

const MUSIC: i64 = 12;

/// Every create operation of the provider's pages.
pub(crate) const CREATE_OPERATIONS: &[CreateOperation] = &[
    CreateOperation {
        path: "/api/v1/generate",
        name: "generate-music",
        kind: TaskKind::Music,
        cost: MUSIC,
        required: &[
            "prompt",
            "customMode",
            "instrumental",
            "model",
            "callBackUrl",
        ],
    },
    CreateOperation {
        path: "/api/v1/generate/extend",
        name: "extend-music",
        kind: TaskKind::Music,
        cost: MUSIC,
        required: &["defaultParamFlag", "audioId", "model", "callBackUrl"],
    },
    CreateOperation {
        path: "/api/v1/generate/upload-cover",
        name: "upload-and-cover-audio",
        kind: TaskKind::Music,
        cost: MUSIC,
        required: &[
            "uploadUrl",
            "prompt",
            "customMode",
            "instrumental",
            "model",
            "callBackUrl",
        ],
    },
    CreateOperation {
        path: "/api/v1/generate/upload-extend",
        name: "upload-and-extend-audio",
        kind: TaskKind::Music,
        cost: MUSIC,
        required: &[
            "uploadUrl",
            "defaultParamFlag",
            "instrumental",
            "continueAt",
            "model",
            "callBackUrl",
        ],
    },
    CreateOperation {
        path: "/api/v1/generate/add-instrumental",
        name: "add-instrumental",
        kind: TaskKind::Music,
        cost: MUSIC,
        required: &["uploadUrl", "title", "negativeTags", "tags", "callBackUrl"],
    },
    CreateOperation {
        path: "/api/v1/generate/add-vocals",
        name: "add-vocals",
        kind: TaskKind::Music,
        cost: MUSIC,
        required: &[
            "prompt",
            "title",
            "negativeTags",
            "style",
            "uploadUrl",
            "callBackUrl",
        ],
    },
    CreateOperation {
        path: "/api/v1/generate/replace-section",
        name: "replace-section",
        kind: TaskKind::Music,
        cost: 5,
        required: &[
            "taskId",
            "audioId",
            "prompt",
            "tags",
            "title",
            "infillStartS",
            "infillEndS",
        ],
    },
    CreateOperation {
        path: "/api/v1/generate/mashup",
        name: "generate-mashup",
        kind: TaskKind::Music,
        cost: MUSIC,
        required: &["uploadUrlList", "customMode", "model", "callBackUrl"],
    },
    CreateOperation {
        path: "/api/v1/generate/sounds",
        name: "generate-sounds",
        kind: TaskKind::Music,
        cost: MUSIC,
        required: &["prompt"],
    },
    CreateOperation {
        path: "/api/v1/lyrics",
        name: "generate-lyrics",
        kind: TaskKind::Lyrics,
        cost: 2,
        required: &["prompt", "callBackUrl"],
    },
    CreateOperation {
        path: "/api/v1/wav/generate",
        name: "convert-to-wav",
        kind: TaskKind::Wav,
        cost: 2,
        required: &["taskId", "audioId", "callBackUrl"],
    },
    CreateOperation {
        path: "/api/v1/vocal-removal/generate",
        name: "separate-vocals",
        kind: TaskKind::VocalSeparation,
        cost: 10,
        required: &["taskId", "audioId", "callBackUrl"],
    },
    CreateOperation {
        path: "/api/v1/midi/generate",
        name: "generate-midi",
        kind: TaskKind::Midi,
        cost: 5,
        required: &["taskId", "callBackUrl"],
    },
    CreateOperation {
        path: "/api/v1/mp4/generate",
        name: "create-music-video",
        kind: TaskKind::Video,
        cost: 4,
        required: &["taskId", "audioId", "callBackUrl"],
    },
    CreateOperation {
        path: "/api/v1/suno/cover/generate",
        name: "generate-cover",
        kind: TaskKind::Cover,
        cost: 2,
        required: &["taskId", "callBackUrl"],
    },
];

/// The account behind the mock's key.
#[derive(Debug)]
pub(crate) struct Account {
    credits: Mutex<i64>,
    recent_creates: Mutex<VecDeque<Instant>>,
    create_violations: AtomicU64,
    made: AtomicU64,
    seed: u64,
    /// Creates allowed per window, and the window.
    limit: (usize, Duration),
}

impl Account {
    pub(crate) fn new(credits: i64, seed: u64, limit: (usize, Duration)) -> Self {
        Account {
            limit,
            credits: Mutex::new(credits),
            recent_creates: Mutex::default(),
            create_violations: AtomicU64::new(0),
            made: AtomicU64::new(0),
            seed,
        }
    }

    pub(crate) fn credits(&self) -> i64 {
        *lock(&self.credits)
    }

    pub(crate) fn set_credits(&self, credits: i64) {
        *lock(&self.credits) = credits;
    }

    /// Spends `cost` credits if the balance holds them.
    pub(crate) fn charge(&self, cost: i64) -> bool {
        let mut credits = lock(&self.credits);
        if *credits < cost {
            return false;
        }
        *credits -= cost;
        true
    }

    /// Says whether a create now is over the account's limit, and counts
    /// it if it is not (a refused create takes no place in the window).
    pub(crate) fn over_create_limit(&self, now: Instant) -> bool {
        let mut recent = lock(&self.recent_creates);
        while recent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.limit.1)
        {
            recent.pop_front();
        }
        if recent.len() >= self.limit.0 {
            self.create_violations.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        recent.push_back(now);
        false
    }

    pub(crate) fn create_violations(&self) -> u64 {
        self.create_violations.load(Ordering::Relaxed)
    }

    /// A new task id: 32 hex digits like the live ones, unique per mock.
    pub(crate) fn new_task_id(&self) -> String {
        let n = self.made.fetch_add(1, Ordering::Relaxed) + 1;
        let mut rng = fastrand::Rng::with_seed(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        format!("{:016x}{:016x}", rng.u64(..), n)
    }
}
