//! The music creates that start from your own audio, given as a public
//! URL: a cover of it (`upload-cover`), an extension of it
//! (`upload-extend`), an instrumental for a vocal track
//! (`add-instrumental`) and vocals for an instrumental (`add-vocals`).

use super::extend::NewParams;
use super::shaping::{
    DEFAULT_MODEL, Mode, Shaping, instrumental_setter, limits_per_model, lyrics_setter,
    persona_setter, shaping_setters,
};
use crate::error::Error;
use crate::generated::types;
use crate::params::Model;
use crate::validate;

/// A cover of an uploaded track, in either mode of
/// [`GenerateMusic`](super::GenerateMusic).
#[derive(Debug, Clone, PartialEq)]
pub struct CoverUpload {
    upload_url: String,
    mode: Mode,
    instrumental: bool,
    shaping: Shaping,
}

impl CoverUpload {
    const OPERATION: &str = "upload-and-cover-audio";

    /// A cover of the audio at `upload_url`, as described.
    pub fn from_description(upload_url: impl Into<String>, description: impl Into<String>) -> Self {
        CoverUpload {
            upload_url: upload_url.into(),
            mode: Mode::Description(description.into()),
            instrumental: false,
            shaping: Shaping::new(DEFAULT_MODEL),
        }
    }

    /// A cover in custom mode: your style and title, and lyrics unless
    /// instrumental.
    pub fn custom(
        upload_url: impl Into<String>,
        style: impl Into<String>,
        title: impl Into<String>,
    ) -> Self {
        CoverUpload {
            upload_url: upload_url.into(),
            mode: Mode::custom(style, title),
            instrumental: false,
            shaping: Shaping::new(DEFAULT_MODEL),
        }
    }

    lyrics_setter!();

    instrumental_setter!();

    persona_setter!();

    shaping_setters!();

    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::UploadAndCoverAudioBody, Error> {
        validate::file_url(Self::OPERATION, "uploadUrl", &self.upload_url)?;
        let model = &self.shaping.model;
        self.mode.check(
            Self::OPERATION,
            self.instrumental,
            model,
            limits_per_model(model),
        )?;
        self.shaping.check(Self::OPERATION)?;
        let vocal_gender = self.shaping.gender();
        let (custom_mode, prompt, style, title) = self.mode.into_parts();
        let s = self.shaping;
        Ok(types::UploadAndCoverAudioBody {
            audio_weight: s.audio_weight,
            call_back_url: callback_url.to_string(),
            custom_mode,
            instrumental: self.instrumental,
            model: s.model.as_str().to_owned(),
            negative_tags: s.negative_tags,
            persona_id: s.persona_id,
            prompt,
            style,
            style_weight: s.style_weight,
            title,
            upload_url: self.upload_url,
            vocal_gender,
            weirdness_constraint: s.weirdness,
        })
    }
}

/// An extension of an uploaded track, from a point in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendUpload {
    upload_url: String,
    continue_at: f64,
    custom: Option<NewParams>,
    instrumental: bool,
    shaping: Shaping,
}

impl ExtendUpload {
    const OPERATION: &str = "upload-and-extend-audio";

    /// Extends the audio at `upload_url` from `continue_at` seconds, with
    /// its own parameters.
    pub fn from_original(upload_url: impl Into<String>, continue_at: f64) -> Self {
        ExtendUpload {
            upload_url: upload_url.into(),
            continue_at,
            custom: None,
            instrumental: false,
            shaping: Shaping::new(DEFAULT_MODEL),
        }
    }

    /// Extends it with new lyrics (unless instrumental), style and title.
    pub fn custom(
        upload_url: impl Into<String>,
        continue_at: f64,
        lyrics: impl Into<String>,
        style: impl Into<String>,
        title: impl Into<String>,
    ) -> Self {
        let custom = NewParams {
            prompt: lyrics.into(),
            style: style.into(),
            title: title.into(),
            continue_at,
        };
        ExtendUpload {
            upload_url: upload_url.into(),
            continue_at,
            custom: Some(custom),
            instrumental: false,
            shaping: Shaping::new(DEFAULT_MODEL),
        }
    }

    instrumental_setter!();

    persona_setter!();

    shaping_setters!();

    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::UploadAndExtendAudioBody, Error> {
        validate::file_url(Self::OPERATION, "uploadUrl", &self.upload_url)?;
        validate::seconds(Self::OPERATION, "continueAt", self.continue_at)?;
        if let Some(c) = &self.custom {
            c.check(Self::OPERATION, &self.shaping.model, self.instrumental)?;
        }
        self.shaping.check(Self::OPERATION)?;
        let vocal_gender = self.shaping.gender();
        let (prompt, style, title) = match self.custom {
            Some(c) => (Some(c.prompt), Some(c.style), Some(c.title)),
            None => (None, None, None),
        };
        let s = self.shaping;
        Ok(types::UploadAndExtendAudioBody {
            audio_weight: s.audio_weight,
            call_back_url: callback_url.to_string(),
            continue_at: self.continue_at,
            default_param_flag: style.is_some(),
            instrumental: self.instrumental,
            model: s.model.as_str().to_owned(),
            negative_tags: s.negative_tags,
            persona_id: s.persona_id,
            prompt,
            style,
            style_weight: s.style_weight,
            title,
            upload_url: self.upload_url,
            vocal_gender,
            weirdness_constraint: s.weirdness,
        })
    }
}

/// An instrumental accompaniment for an uploaded vocal track.
#[derive(Debug, Clone, PartialEq)]
pub struct AddInstrumental {
    upload_url: String,
    title: String,
    tags: String,
    shaping: Shaping,
}

impl AddInstrumental {
    const OPERATION: &str = "add-instrumental";

    /// For the vocals at `upload_url`: a title and the styles to play
    /// (`tags`); styles to avoid go to [`Self::negative_tags`] (required).
    pub fn new(
        upload_url: impl Into<String>,
        title: impl Into<String>,
        tags: impl Into<String>,
    ) -> Self {
        AddInstrumental {
            upload_url: upload_url.into(),
            title: title.into(),
            tags: tags.into(),
            shaping: Shaping::new(Model::V4_5Plus),
        }
    }

    shaping_setters!();

    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::AddInstrumentalBody, Error> {
        let op = Self::OPERATION;
        validate::file_url(op, "uploadUrl", &self.upload_url)?;
        validate::required(op, "title", &self.title)?;
        validate::required(op, "tags", &self.tags)?;
        let negative = self.shaping.negative_tags.clone().unwrap_or_default();
        validate::required(op, "negativeTags", &negative)?;
        self.shaping.check(op)?;
        let vocal_gender = self.shaping.gender();
        let s = self.shaping;
        Ok(types::AddInstrumentalBody {
            audio_weight: s.audio_weight,
            call_back_url: callback_url.to_string(),
            model: s.model.as_str().to_owned(),
            negative_tags: negative,
            style_weight: s.style_weight,
            tags: self.tags,
            title: self.title,
            upload_url: self.upload_url,
            vocal_gender,
            weirdness_constraint: s.weirdness,
        })
    }
}

/// Vocals for an uploaded instrumental track.
#[derive(Debug, Clone, PartialEq)]
pub struct AddVocals {
    upload_url: String,
    lyrics: String,
    title: String,
    style: String,
    shaping: Shaping,
}

impl AddVocals {
    const OPERATION: &str = "add-vocals";

    /// Sings `lyrics` over the instrumental at `upload_url`; styles to
    /// avoid go to [`Self::negative_tags`] (required).
    pub fn new(
        upload_url: impl Into<String>,
        lyrics: impl Into<String>,
        title: impl Into<String>,
        style: impl Into<String>,
    ) -> Self {
        AddVocals {
            upload_url: upload_url.into(),
            lyrics: lyrics.into(),
            title: title.into(),
            style: style.into(),
            shaping: Shaping::new(Model::V4_5Plus),
        }
    }

    shaping_setters!();

    pub(crate) fn into_body(self, callback_url: &url::Url) -> Result<types::AddVocalsBody, Error> {
        let op = Self::OPERATION;
        validate::file_url(op, "uploadUrl", &self.upload_url)?;
        validate::required(op, "prompt", &self.lyrics)?;
        validate::required(op, "title", &self.title)?;
        validate::required(op, "style", &self.style)?;
        let negative = self.shaping.negative_tags.clone().unwrap_or_default();
        validate::required(op, "negativeTags", &negative)?;
        self.shaping.check(op)?;
        let vocal_gender = self.shaping.gender();
        let s = self.shaping;
        Ok(types::AddVocalsBody {
            audio_weight: s.audio_weight,
            call_back_url: callback_url.to_string(),
            model: s.model.as_str().to_owned(),
            negative_tags: negative,
            prompt: self.lyrics,
            style: self.style,
            style_weight: s.style_weight,
            title: self.title,
            upload_url: self.upload_url,
            vocal_gender,
            weirdness_constraint: s.weirdness,
        })
    }
}
