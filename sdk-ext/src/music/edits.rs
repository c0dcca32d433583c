//! The music creates that rework what exists or make something else than
//! songs: replacing a section of a track (`replace-section`), mashing two
//! uploads together (`mashup`), and sound effects and loops (`sounds`).

use super::shaping::{
    DEFAULT_MODEL, Mode, Shaping, instrumental_setter, limits_title_80, lyrics_setter,
    shaping_setters,
};
use crate::error::Error;
use crate::generated::types;
use crate::validate;

/// A section of a generated track, rewritten with new lyrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplaceSection {
    task_id: String,
    audio_id: String,
    lyrics: String,
    tags: String,
    title: String,
    from: f64,
    to: f64,
    full_lyrics: Option<String>,
    negative_tags: Option<String>,
    callback_url: Option<String>,
}

impl ReplaceSection {
    const OPERATION: &str = "replace-section";

    /// Replaces seconds `from`..`to` (6 to 60 s, two decimals) of the track
    /// `audio_id` of the music task `task_id` with `lyrics`, in the style
    /// `tags`, under `title`.
    pub fn new(
        task_id: impl Into<String>,
        audio_id: impl Into<String>,
        lyrics: impl Into<String>,
        tags: impl Into<String>,
        title: impl Into<String>,
        from: f64,
        to: f64,
    ) -> Self {
        ReplaceSection {
            task_id: task_id.into(),
            audio_id: audio_id.into(),
            lyrics: lyrics.into(),
            tags: tags.into(),
            title: title.into(),
            from,
            to,
            full_lyrics: None,
            negative_tags: None,
            callback_url: None,
        }
    }

    /// The whole song's lyrics after the replacement.
    pub fn full_lyrics(mut self, lyrics: impl Into<String>) -> Self {
        self.full_lyrics = Some(lyrics.into());
        self
    }

    /// Styles to avoid.
    pub fn negative_tags(mut self, tags: impl Into<String>) -> Self {
        self.negative_tags = Some(tags.into());
        self
    }

    /// Where the API posts the task's results (default: the client's).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    pub(crate) fn own_callback_url(&self) -> Option<&str> {
        self.callback_url.as_deref()
    }

    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::ReplaceSectionBody, Error> {
        let op = Self::OPERATION;
        for (field, value) in [
            ("taskId", &self.task_id),
            ("audioId", &self.audio_id),
            ("prompt", &self.lyrics),
            ("tags", &self.tags),
            ("title", &self.title),
        ] {
            validate::required(op, field, value)?;
        }
        validate::centiseconds(op, "infillStartS", self.from)?;
        validate::centiseconds(op, "infillEndS", self.to)?;
        let length = self.to - self.from;
        if !(6.0..=60.0).contains(&length) {
            return Err(Error::InvalidRequest {
                operation: op,
                field: "infillEndS",
                problem: format!(
                    "makes a section of {length:.2} s from infillStartS; it must be 6 to 60 s"
                ),
            });
        }
        Ok(types::ReplaceSectionBody {
            audio_id: self.audio_id,
            call_back_url: Some(callback_url.to_string()),
            full_lyrics: self.full_lyrics,
            infill_end_s: self.to,
            infill_start_s: self.from,
            negative_tags: self.negative_tags,
            prompt: self.lyrics,
            tags: self.tags,
            task_id: self.task_id,
            title: self.title,
        })
    }
}

/// A mashup of exactly two uploaded tracks, in either mode of
/// [`GenerateMusic`](super::GenerateMusic).
#[derive(Debug, Clone, PartialEq)]
pub struct Mashup {
    uploads: [String; 2],
    mode: Mode,
    instrumental: bool,
    shaping: Shaping,
}

impl Mashup {
    const OPERATION: &str = "generate-mashup";

    /// A mashup of two tracks, as described.
    pub fn from_description(uploads: [String; 2], description: impl Into<String>) -> Self {
        Mashup {
            uploads,
            mode: Mode::Description(description.into()),
            instrumental: false,
            shaping: Shaping::new(DEFAULT_MODEL),
        }
    }

    /// A mashup in custom mode: your style and title, and lyrics unless
    /// instrumental.
    pub fn custom(
        uploads: [String; 2],
        style: impl Into<String>,
        title: impl Into<String>,
    ) -> Self {
        Mashup {
            uploads,
            mode: Mode::custom(style, title),
            instrumental: false,
            shaping: Shaping::new(DEFAULT_MODEL),
        }
    }

    lyrics_setter!();

    instrumental_setter!();

    shaping_setters!();

    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::GenerateMashupBody, Error> {
        let op = Self::OPERATION;
        for upload in &self.uploads {
            validate::file_url(op, "uploadUrlList", upload)?;
        }
        let model = &self.shaping.model;
        self.mode
            .check(op, self.instrumental, model, limits_title_80(model))?;
        self.shaping.check(op)?;
        let vocal_gender = self.shaping.gender();
        let (custom_mode, prompt, style, title) = self.mode.into_parts();
        let s = self.shaping;
        Ok(types::GenerateMashupBody {
            audio_weight: s.audio_weight,
            call_back_url: callback_url.to_string(),
            custom_mode,
            instrumental: Some(self.instrumental),
            model: s.model.as_str().to_owned(),
            prompt: Some(prompt).filter(|p| !p.is_empty()),
            style,
            style_weight: s.style_weight,
            title,
            upload_url_list: self.uploads,
            vocal_gender,
            weirdness_constraint: s.weirdness,
        })
    }
}

/// Sound effects or a loop from a description.
#[derive(Debug, Clone, PartialEq)]
pub struct Sounds {
    prompt: String,
    key: Option<String>,
    tempo: Option<u64>,
    looped: bool,
    grab_lyrics: bool,
    model: Option<crate::Model>,
    callback_url: Option<String>,
}

impl Sounds {
    const OPERATION: &str = "generate-sounds";

    /// Sounds as described.
    pub fn new(prompt: impl Into<String>) -> Self {
        Sounds {
            prompt: prompt.into(),
            key: None,
            tempo: None,
            looped: false,
            grab_lyrics: false,
            model: None,
            callback_url: None,
        }
    }

    /// The musical key: `C`, `C#`, ..., `B`, minor as `Cm`, ..., or `Any`
    /// (the default).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The tempo in beats per minute, 1 to 300.
    pub fn tempo(mut self, bpm: u64) -> Self {
        self.tempo = Some(bpm);
        self
    }

    /// A seamless loop.
    pub fn looped(mut self) -> Self {
        self.looped = true;
        self
    }

    /// Also transcribe any lyrics.
    pub fn grab_lyrics(mut self) -> Self {
        self.grab_lyrics = true;
        self
    }

    /// The model (the API's default when not given).
    pub fn model(mut self, model: crate::Model) -> Self {
        self.model = Some(model);
        self
    }

    /// Where the API posts the task's results (default: the client's).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    pub(crate) fn own_callback_url(&self) -> Option<&str> {
        self.callback_url.as_deref()
    }

    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::GenerateSoundsBody, Error> {
        let op = Self::OPERATION;
        validate::required(op, "prompt", &self.prompt)?;
        let key = self.key.unwrap_or_else(|| "Any".to_owned());
        let sound_key =
            serde_json::from_value(serde_json::Value::from(key.as_str())).map_err(|_| {
                Error::InvalidRequest {
                    operation: op,
                    field: "soundKey",
                    problem: format!("is {key:?}; it must be a key such as C, F#, Am, or Any"),
                }
            })?;
        let sound_tempo = match self.tempo {
            None => None,
            Some(bpm @ 1..=300) => std::num::NonZeroU64::new(bpm),
            Some(bpm) => {
                return Err(Error::InvalidRequest {
                    operation: op,
                    field: "soundTempo",
                    problem: format!("is {bpm}; it must be 1 to 300 beats per minute"),
                });
            }
        };
        Ok(types::GenerateSoundsBody {
            call_back_url: Some(callback_url.to_string()),
            grab_lyrics: self.grab_lyrics,
            model: self.model.map(|m| m.as_str().to_owned()),
            prompt: self.prompt,
            sound_key,
            sound_loop: self.looped,
            sound_tempo,
        })
    }
}
