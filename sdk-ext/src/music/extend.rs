//! The Extend Music request (`POST /api/v1/generate/extend`): continue a
//! track, either with its original parameters or with new lyrics, style
//! and title from a point in it.

use super::generate::VocalGender;
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
    model: Model,
    custom: Option<Custom>,
    negative_tags: Option<String>,
    vocal_gender: Option<VocalGender>,
    style_weight: Option<f64>,
    weirdness: Option<f64>,
    audio_weight: Option<f64>,
    persona_id: Option<String>,
    callback_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Custom {
    prompt: String,
    style: String,
    title: String,
    continue_at: f64,
}

impl ExtendMusic {
    fn new(audio_id: String, model: Model, custom: Option<Custom>) -> Self {
        ExtendMusic {
            audio_id,
            model,
            custom,
            negative_tags: None,
            vocal_gender: None,
            style_weight: None,
            weirdness: None,
            audio_weight: None,
            persona_id: None,
            callback_url: None,
        }
    }

    /// Extends a track (`audioId`) with its own parameters. `model` must be
    /// the model the track was made with.
    pub fn from_original(audio_id: impl Into<String>, model: Model) -> Self {
        ExtendMusic::new(audio_id.into(), model, None)
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
        let custom = Custom {
            prompt: prompt.into(),
            style: style.into(),
            title: title.into(),
            continue_at,
        };
        ExtendMusic::new(audio_id.into(), model, Some(custom))
    }

    /// Styles to avoid.
    pub fn negative_tags(mut self, tags: impl Into<String>) -> Self {
        self.negative_tags = Some(tags.into());
        self
    }

    /// The singer's voice.
    pub fn vocal_gender(mut self, gender: VocalGender) -> Self {
        self.vocal_gender = Some(gender);
        self
    }

    /// How strongly the style is followed, 0 to 1 in steps of 0.01.
    pub fn style_weight(mut self, weight: f64) -> Self {
        self.style_weight = Some(weight);
        self
    }

    /// How far the music may stray, 0 to 1 in steps of 0.01.
    pub fn weirdness(mut self, weight: f64) -> Self {
        self.weirdness = Some(weight);
        self
    }

    /// How strongly the track is followed, 0 to 1 in steps of 0.01.
    pub fn audio_weight(mut self, weight: f64) -> Self {
        self.audio_weight = Some(weight);
        self
    }

    /// A persona to sing.
    pub fn persona_id(mut self, id: impl Into<String>) -> Self {
        self.persona_id = Some(id.into());
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
    ) -> Result<types::ExtendMusicBody, Error> {
        self.check()?;
        let (prompt, style, title, continue_at) = match self.custom {
            Some(c) => (c.prompt, Some(c.style), Some(c.title), Some(c.continue_at)),
            None => (String::new(), None, None, None),
        };
        Ok(types::ExtendMusicBody {
            audio_id: self.audio_id,
            audio_weight: self.audio_weight,
            call_back_url: callback_url.to_string(),
            continue_at,
            default_param_flag: continue_at.is_some(),
            model: self.model.as_str().to_owned(),
            negative_tags: self.negative_tags,
            persona_id: self.persona_id,
            prompt,
            style,
            style_weight: self.style_weight,
            title,
            vocal_gender: self.vocal_gender.map(|g| match g {
                VocalGender::Male => types::ExtendMusicBodyVocalGender::M,
                VocalGender::Female => types::ExtendMusicBodyVocalGender::F,
            }),
            weirdness_constraint: self.weirdness,
        })
    }

    fn check(&self) -> Result<(), Error> {
        validate::required(OPERATION, "audioId", &self.audio_id)?;
        if let Some(c) = &self.custom {
            validate::required(OPERATION, "prompt", &c.prompt)?;
            validate::required(OPERATION, "style", &c.style)?;
            validate::required(OPERATION, "title", &c.title)?;
            validate::seconds(OPERATION, "continueAt", c.continue_at)?;
            if let Some((prompt_max, style_max, title_max)) = limits(&self.model) {
                let rule = format!("for {}", self.model);
                validate::max_chars(OPERATION, "prompt", &c.prompt, prompt_max, &rule)?;
                validate::max_chars(OPERATION, "style", &c.style, style_max, &rule)?;
                validate::max_chars(OPERATION, "title", &c.title, title_max, &rule)?;
            }
        }
        for (field, value) in [
            ("styleWeight", self.style_weight),
            ("weirdnessConstraint", self.weirdness),
            ("audioWeight", self.audio_weight),
        ] {
            if let Some(value) = value {
                validate::weight(OPERATION, field, value)?;
            }
        }
        Ok(())
    }
}

/// The page's limits per model: (prompt, style, title) characters.
fn limits(model: &Model) -> Option<(usize, usize, usize)> {
    match model {
        Model::V3_5 | Model::V4 => Some((3000, 200, 80)),
        Model::V4_5 | Model::V4_5Plus | Model::V5 | Model::V5_5 => Some((5000, 1000, 100)),
        Model::V4_5All => Some((5000, 1000, 80)),
        _ => None,
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
