//! From a task kind known only at run time (a journal entry's, a command
//! line's) to its family's type, written once: [`for_kind!`](crate::for_kind)
//! runs an expression with a type alias bound to the family of a
//! [`TaskKind`](crate::TaskKind), so that code generic over
//! [`Family`](crate::wait::Family) serves every kind.

/// Runs `$body` with `$family` the family type of `$kind` (a
/// [`TaskKind`](crate::TaskKind)), and gives `Some` of its value; `None`
/// for a kind this version of the crate has no family for (the enum is
/// open to new kinds).
///
/// ```
/// use kie_suno::{TaskKind, wait::Family};
///
/// fn endpoint<F: Family>() -> &'static str {
///     F::KIND.as_str()
/// }
/// let name = kie_suno::for_kind!(TaskKind::Midi, F => endpoint::<F>());
/// assert_eq!(name, Some("midi"));
/// ```
#[macro_export]
macro_rules! for_kind {
    ($kind:expr, $family:ident => $body:expr) => {
        match $kind {
            $crate::TaskKind::Music => {
                type $family = $crate::music::Music;
                Some($body)
            }
            $crate::TaskKind::Lyrics => {
                type $family = $crate::lyrics::Lyrics;
                Some($body)
            }
            $crate::TaskKind::Wav => {
                type $family = $crate::wav::Wav;
                Some($body)
            }
            $crate::TaskKind::VocalSeparation => {
                type $family = $crate::separation::VocalSeparation;
                Some($body)
            }
            $crate::TaskKind::Midi => {
                type $family = $crate::midi::Midi;
                Some($body)
            }
            $crate::TaskKind::Video => {
                type $family = $crate::video::Video;
                Some($body)
            }
            $crate::TaskKind::Cover => {
                type $family = $crate::cover::Cover;
                Some($body)
            }
            #[allow(unreachable_patterns)]
            _ => None,
        }
    };
}
