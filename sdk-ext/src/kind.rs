//! The kinds of task the API runs, one per details endpoint: each has its
//! own record, status vocabulary and callback payload. A leaf.

/// Which kind of task an id belongs to. The create call that made it says
/// which; the API cannot tell from the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskKind {
    /// Music: generate, extend, covers of uploads, vocals, instrumentals,
    /// section replacement, mashups, sounds.
    Music,
    /// Lyrics texts.
    Lyrics,
    /// A WAV conversion.
    Wav,
    /// Vocal or stem separation.
    VocalSeparation,
    /// MIDI from a separated track.
    Midi,
    /// A music video.
    Video,
    /// Cover images.
    Cover,
}

impl TaskKind {
    /// Every kind.
    pub const ALL: [TaskKind; 7] = [
        TaskKind::Music,
        TaskKind::Lyrics,
        TaskKind::Wav,
        TaskKind::VocalSeparation,
        TaskKind::Midi,
        TaskKind::Video,
        TaskKind::Cover,
    ];

    /// The kind's name, as `suno` prints and takes it (`--kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Music => "music",
            TaskKind::Lyrics => "lyrics",
            TaskKind::Wav => "wav",
            TaskKind::VocalSeparation => "vocals",
            TaskKind::Midi => "midi",
            TaskKind::Video => "video",
            TaskKind::Cover => "cover",
        }
    }

    /// The path of the kind's details endpoint (`GET`, `?taskId=`).
    pub fn details_path(self) -> &'static str {
        match self {
            TaskKind::Music => "/api/v1/generate/record-info",
            TaskKind::Lyrics => "/api/v1/lyrics/record-info",
            TaskKind::Wav => "/api/v1/wav/record-info",
            TaskKind::VocalSeparation => "/api/v1/vocal-removal/record-info",
            TaskKind::Midi => "/api/v1/midi/record-info",
            TaskKind::Video => "/api/v1/mp4/record-info",
            TaskKind::Cover => "/api/v1/suno/cover/record-info",
        }
    }
}

impl std::fmt::Display for TaskKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TaskKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        TaskKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<_> = TaskKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown task kind {text:?}; one of {}", names.join(", "))
            })
    }
}
