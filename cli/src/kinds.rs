//! The kinds of task `suno` takes (`--kind`), and running a command
//! generic over a family for the kind given on the command line.

use clap::ValueEnum;
use kie_suno::TaskKind;
use kie_suno::wait::Family;

use crate::exit::Failure;

/// The kind of task an id belongs to (which details endpoint it has):
/// `--kind`, and `kind` in `suno mcp`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    ValueEnum,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Music (generate, extend, covers, ...).
    Music,
    /// Lyrics.
    Lyrics,
    /// WAV conversion.
    Wav,
    /// Vocal separation.
    Vocals,
    /// MIDI.
    Midi,
    /// Music video.
    Video,
    /// Cover images.
    Cover,
}

impl From<Kind> for TaskKind {
    fn from(kind: Kind) -> TaskKind {
        match kind {
            Kind::Music => TaskKind::Music,
            Kind::Lyrics => TaskKind::Lyrics,
            Kind::Wav => TaskKind::Wav,
            Kind::Vocals => TaskKind::VocalSeparation,
            Kind::Midi => TaskKind::Midi,
            Kind::Video => TaskKind::Video,
            Kind::Cover => TaskKind::Cover,
        }
    }
}

/// How far a task must get: `--until`, and `until` in `suno mcp`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Until {
    /// A track can be played (FIRST_SUCCESS; music only).
    Streamable,
    /// The task is done (for music: every track, SUCCESS).
    #[default]
    Complete,
}

/// What `--until` means for a family.
pub trait Stages: Family {
    /// The stage to wait for; `None` for the task's end.
    fn stage(until: Until) -> Result<Option<Self::Stage>, Failure>;
}

impl Stages for kie_suno::music::Music {
    fn stage(until: Until) -> Result<Option<Self::Stage>, Failure> {
        Ok(Some(match until {
            Until::Streamable => kie_suno::music::Stage::Streamable,
            Until::Complete => kie_suno::music::Stage::Complete,
        }))
    }
}

macro_rules! ends_only {
    ($($family:ty),+) => {$(
        impl Stages for $family {
            fn stage(until: Until) -> Result<Option<Self::Stage>, Failure> {
                match until {
                    Until::Complete => Ok(None),
                    Until::Streamable => Err(Failure::Usage(format!(
                        "--until streamable applies to music tasks; a {} task has its results only at its end",
                        <$family as Family>::KIND
                    ))),
                }
            }
        }
    )+};
}

ends_only!(
    kie_suno::lyrics::Lyrics,
    kie_suno::wav::Wav,
    kie_suno::separation::VocalSeparation,
    kie_suno::midi::Midi,
    kie_suno::video::Video,
    kie_suno::cover::Cover
);

/// Runs `$body` with `$f` the family of `$kind` (the library's
/// [`kie_suno::for_kind!`]: every `--kind` has a family, so a kind the
/// library does not know is an error here, never reached).
macro_rules! for_kind {
    ($kind:expr, $f:ident => $body:expr) => {{
        let kind: kie_suno::TaskKind = $kind.into();
        match kie_suno::for_kind!(kind, $f => $body) {
            Some(done) => done,
            None => {
                return Err($crate::exit::Failure::Usage(format!(
                    "{kind} tasks are not supported by this build"
                )))
            }
        }
    }};
}
pub(crate) use for_kind;
