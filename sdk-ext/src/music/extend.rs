//! The Extend Music request (`POST /api/v1/generate/extend`): continue a
//! track, either with its original parameters or with new lyrics, style
//! and title from a point in it.

use super::shaping::{Shaping, limits_per_model, persona_setter, shaping_setters};
use crate::error::Error;
use crate::generated::types;
use crate::params::Model;
use crate::validate;

const OPERATION: &str = "extend-music";

/// A request to extend a track.
///
/// ```
/// use kie_suno::music::ExtendMusic;
/// use kie_suno::Model;
/// // Same lyrics, style and title as the track; the model must be its model.
/// let same = ExtendMusic::from_original("e231-track-id", Model::V4_5);
/// // New lyrics, style and title, continuing 60 s into the track.
/// let new = ExtendMusic::custom("e231-track-id", Model::V4_5, "[Bridge] ...", "jazz", "Blue II", 60.0);
/// # let _ = (same, new);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendMusic {
    audio_id: String,
    custom: Option<NewParams>,
    shaping: Shaping,
}

/// New lyrics, style and title from a point in a track: what extending
/// a track or an upload with custom parameters takes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewParams {
    pub(crate) prompt: String,
    pub(crate) style: String,
    pub(crate) title: String,
    pub(crate) continue_at: f64,
}

impl NewParams {
    /// Checks the parameters against the limits of `model` (extend and
    /// upload-extend share them); lyrics are required unless instrumental.
    pub(crate) fn check(
        &self,
        operation: &'static str,
        model: &Model,
        instrumental: bool,
    ) -> Result<(), Error> {
        if !instrumental {
            validate::required(operation, "prompt", &self.prompt)?;
        }
        validate::required(operation, "style", &self.style)?;
        validate::required(operation, "title", &self.title)?;
        validate::seconds(operation, "continueAt", self.continue_at)?;
        if let Some(l) = limits_per_model(model) {
            let rule = format!("for {model}");
            validate::max_chars(operation, "prompt", &self.prompt, l.prompt, &rule)?;
            validate::max_chars(operation, "style", &self.style, l.style, &rule)?;
            validate::max_chars(operation, "title", &self.title, l.title, &rule)?;
        }
        Ok(())
    }
}

impl ExtendMusic {
    /// Extends a track (`audioId`) with its own parameters. `model` must be
    /// the model the track was made with.
    pub fn from_original(audio_id: impl Into<String>, model: Model) -> Self {
        ExtendMusic {
            audio_id: audio_id.into(),
            custom: None,
            shaping: Shaping::new(model),
        }
    }

    /// Extends a track with new lyrics (`prompt`), style and title, from
    /// `continue_at` seconds into it.
    pub fn custom(
        audio_id: impl Into<String>,
        model: Model,
        prompt: impl Into<String>,
        style: impl Into<String>,
        title: impl Into<String>,
        continue_at: f64,
    ) -> Self {
        let custom = NewParams {
            prompt: prompt.into(),
            style: style.into(),
            title: title.into(),
            continue_at,
        };
        ExtendMusic {
            audio_id: audio_id.into(),
            custom: Some(custom),
            shaping: Shaping::new(model),
        }
    }

    persona_setter!();

    shaping_setters!();

    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::ExtendMusicBody, Error> {
        validate::required(OPERATION, "audioId", &self.audio_id)?;
        if let Some(c) = &self.custom {
            c.check(OPERATION, &self.shaping.model, false)?;
        }
        self.shaping.check(OPERATION)?;
        let vocal_gender = self.shaping.gender();
        let (prompt, style, title, continue_at) = match self.custom {
            Some(c) => (c.prompt, Some(c.style), Some(c.title), Some(c.continue_at)),
            None => (String::new(), None, None, None),
        };
        let s = self.shaping;
        Ok(types::ExtendMusicBody {
            audio_id: self.audio_id,
            audio_weight: s.audio_weight,
            call_back_url: callback_url.to_string(),
            continue_at,
            default_param_flag: continue_at.is_some(),
            model: s.model.as_str().to_owned(),
            negative_tags: s.negative_tags,
            persona_id: s.persona_id,
            prompt,
            style,
            style_weight: s.style_weight,
            title,
            vocal_gender,
            weirdness_constraint: s.weirdness,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook() -> url::Url {
        url::Url::parse("https://example.com/hook").unwrap()
    }

    #[test]
    fn original_parameters_send_only_the_track_and_model() {
        let body = ExtendMusic::from_original("a1", Model::V4)
            .into_body(&hook())
            .unwrap();
        assert!(!body.default_param_flag);
        assert_eq!(
            (body.style, body.title, body.continue_at),
            (None, None, None)
        );
        assert_eq!(body.model, "V4");
    }

    #[test]
    fn custom_extensions_check_the_titles_of_each_model() {
        let title = "t".repeat(90);
        let ok = ExtendMusic::custom("a1", Model::V5, "la", "pop", &title, 30.0).into_body(&hook());
        assert!(ok.unwrap().default_param_flag);
        let refused = ExtendMusic::custom("a1", Model::V4_5All, "la", "pop", &title, 30.0)
            .into_body(&hook())
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("`title` is 90 characters; at most 80 for V4_5ALL"),
            "{refused}"
        );
    }

    #[test]
    fn a_negative_or_missing_start_is_refused() {
        let e = ExtendMusic::custom("a1", Model::V5, "la", "pop", "T", -1.0)
            .into_body(&hook())
            .unwrap_err();
        assert!(e.to_string().contains("continueAt"), "{e}");
        let e = ExtendMusic::from_original(" ", Model::V5)
            .into_body(&hook())
            .unwrap_err();
        assert!(e.to_string().contains("audioId"), "{e}");
    }
}
