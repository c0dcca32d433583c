//! What the music creates share: the model and the shaping options
//! (styles to avoid, voice, weights, persona, callback URL), the two modes
//! of a prompt (a description, or custom lyrics, style and title), and the
//! length limits their pages state per model.

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::params::Model;
use crate::validate;

/// The singer's voice, where a request can ask for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VocalGender {
    /// `m`.
    Male,
    /// `f`.
    Female,
}

/// The model a request uses unless told otherwise.
pub const DEFAULT_MODEL: Model = Model::V5;

/// The options most music creates take.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shaping {
    pub(crate) model: Model,
    pub(crate) negative_tags: Option<String>,
    pub(crate) vocal_gender: Option<VocalGender>,
    pub(crate) style_weight: Option<f64>,
    pub(crate) weirdness: Option<f64>,
    pub(crate) audio_weight: Option<f64>,
    pub(crate) persona_id: Option<String>,
    pub(crate) callback_url: Option<String>,
}

impl Shaping {
    pub(crate) fn new(model: Model) -> Self {
        Shaping {
            model,
            negative_tags: None,
            vocal_gender: None,
            style_weight: None,
            weirdness: None,
            audio_weight: None,
            persona_id: None,
            callback_url: None,
        }
    }

    /// Checks the weights: 0 to 1, two decimals.
    pub(crate) fn check(&self, operation: &'static str) -> Result<(), Error> {
        for (field, value) in [
            ("styleWeight", self.style_weight),
            ("weirdnessConstraint", self.weirdness),
            ("audioWeight", self.audio_weight),
        ] {
            if let Some(value) = value {
                validate::weight(operation, field, value)?;
            }
        }
        Ok(())
    }

    /// The voice as a body's own enum (each body has one; all take `m`, `f`).
    pub(crate) fn gender<T: DeserializeOwned>(&self) -> Option<T> {
        let wire = match self.vocal_gender? {
            VocalGender::Male => "m",
            VocalGender::Female => "f",
        };
        serde_json::from_value(serde_json::Value::from(wire)).ok()
    }
}

/// The setters of a request that keeps its [`Shaping`] in `shaping`.
macro_rules! shaping_setters {
    () => {
        /// The model (default [`DEFAULT_MODEL`](crate::music::DEFAULT_MODEL)).
        /// Models this SDK does not know are sent as they are, without
        /// their length limits checked.
        pub fn model(mut self, model: $crate::Model) -> Self {
            self.shaping.model = model;
            self
        }

        /// Styles to avoid.
        pub fn negative_tags(mut self, tags: impl Into<String>) -> Self {
            self.shaping.negative_tags = Some(tags.into());
            self
        }

        /// The singer's voice.
        pub fn vocal_gender(mut self, gender: $crate::music::VocalGender) -> Self {
            self.shaping.vocal_gender = Some(gender);
            self
        }

        /// How strongly the style is followed, 0 to 1 in steps of 0.01.
        pub fn style_weight(mut self, weight: f64) -> Self {
            self.shaping.style_weight = Some(weight);
            self
        }

        /// How far the music may stray (`weirdnessConstraint`), 0 to 1 in
        /// steps of 0.01.
        pub fn weirdness(mut self, weight: f64) -> Self {
            self.shaping.weirdness = Some(weight);
            self
        }

        /// How strongly audio input is followed, 0 to 1 in steps of 0.01.
        pub fn audio_weight(mut self, weight: f64) -> Self {
            self.shaping.audio_weight = Some(weight);
            self
        }

        /// Where the API posts the task's results (default: the client's
        /// [`callback_url`](crate::ClientBuilder::callback_url)).
        pub fn callback_url(mut self, url: impl Into<String>) -> Self {
            self.shaping.callback_url = Some(url.into());
            self
        }

        pub(crate) fn own_callback_url(&self) -> Option<&str> {
            self.shaping.callback_url.as_deref()
        }
    };
}
pub(crate) use shaping_setters;

/// `lyrics(..)`: for a request with a [`Mode`] in `mode`.
macro_rules! lyrics_setter {
    () => {
        /// The lyrics, sung as written (custom mode only; in description
        /// mode they are ignored).
        pub fn lyrics(mut self, lyrics: impl Into<String>) -> Self {
            self.mode.set_lyrics(lyrics.into());
            self
        }
    };
}
pub(crate) use lyrics_setter;

/// `instrumental()`: for a request with an `instrumental` flag.
macro_rules! instrumental_setter {
    () => {
        /// No vocals.
        pub fn instrumental(mut self) -> Self {
            self.instrumental = true;
            self
        }
    };
}
pub(crate) use instrumental_setter;

/// `persona_id(..)`: for a request whose page takes a persona.
macro_rules! persona_setter {
    () => {
        /// A persona to sing, from
        /// [`MusicApi::persona`](crate::music::MusicApi::persona) (Generate
        /// Music: custom mode only).
        pub fn persona_id(mut self, id: impl Into<String>) -> Self {
            self.shaping.persona_id = Some(id.into());
            self
        }
    };
}
pub(crate) use persona_setter;

/// Length limits in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) prompt: usize,
    pub(crate) style: usize,
    pub(crate) title: usize,
}

/// The limits of the pages that share one table (extend, the uploads):
/// title 80 for V4 and V4_5ALL, 100 for the others; `None` for a model
/// the pages do not list.
pub(crate) fn limits_per_model(model: &Model) -> Option<Limits> {
    let (prompt, style, title) = match model {
        Model::V3_5 | Model::V4 => (3000, 200, 80),
        Model::V4_5All => (5000, 1000, 80),
        Model::V4_5 | Model::V4_5Plus | Model::V5 | Model::V5_5 => (5000, 1000, 100),
        _ => return None,
    };
    Some(Limits {
        prompt,
        style,
        title,
    })
}

/// Generate Music's and Mashup's limits: the same, but titles at most 80
/// for every model.
pub(crate) fn limits_title_80(model: &Model) -> Option<Limits> {
    limits_per_model(model).map(|l| Limits { title: 80, ..l })
}

/// How a prompt is meant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mode {
    /// A description (at most 500 characters); the API writes the rest.
    Description(String),
    /// Custom: style and title, and lyrics unless instrumental.
    Custom {
        style: String,
        title: String,
        lyrics: Option<String>,
    },
}

impl Mode {
    pub(crate) fn custom(style: impl Into<String>, title: impl Into<String>) -> Self {
        Mode::Custom {
            style: style.into(),
            title: title.into(),
            lyrics: None,
        }
    }

    pub(crate) fn set_lyrics(&mut self, text: String) {
        if let Mode::Custom { lyrics, .. } = self {
            *lyrics = Some(text);
        }
    }

    /// Checks the mode's rules, with `limits` for custom mode (`None`: a
    /// model the page does not list; only the titles' 80 is checked).
    pub(crate) fn check(
        &self,
        operation: &'static str,
        instrumental: bool,
        model: &Model,
        limits: Option<Limits>,
    ) -> Result<(), Error> {
        match self {
            Mode::Description(prompt) => {
                validate::required(operation, "prompt", prompt)?;
                validate::max_chars(operation, "prompt", prompt, 500, "for a description")
            }
            Mode::Custom {
                style,
                title,
                lyrics,
            } => {
                validate::required(operation, "style", style)?;
                validate::required(operation, "title", title)?;
                let rule = format!("for {model}");
                match limits {
                    Some(l) => {
                        validate::max_chars(operation, "title", title, l.title, &rule)?;
                        validate::max_chars(operation, "style", style, l.style, &rule)?;
                        if let Some(lyrics) = lyrics {
                            validate::max_chars(operation, "prompt", lyrics, l.prompt, &rule)?;
                        }
                    }
                    None => validate::max_chars(operation, "title", title, 80, "for every model")?,
                }
                match lyrics {
                    Some(lyrics) if !instrumental => {
                        validate::required(operation, "prompt", lyrics)
                    }
                    None if !instrumental => Err(Error::InvalidRequest {
                        operation,
                        field: "prompt",
                        problem: "(the lyrics) is required in custom mode unless the music is \
                                  instrumental"
                            .to_owned(),
                    }),
                    _ => Ok(()),
                }
            }
        }
    }

    /// `(customMode, prompt, style, title)` as the bodies take them.
    pub(crate) fn into_parts(self) -> (bool, String, Option<String>, Option<String>) {
        match self {
            Mode::Description(prompt) => (false, prompt, None, None),
            Mode::Custom {
                style,
                title,
                lyrics,
            } => (true, lyrics.unwrap_or_default(), Some(style), Some(title)),
        }
    }
}
