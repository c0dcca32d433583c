//! The Generate Music request (`POST /api/v1/generate`) in its two
//! documented modes: from a description (the API writes lyrics, style and
//! title), or custom (your lyrics, style and title), with the rules its
//! page states checked before sending.

use super::shaping::{
    DEFAULT_MODEL, Mode, Shaping, instrumental_setter, limits_title_80, lyrics_setter,
    persona_setter, shaping_setters,
};
use crate::error::Error;
use crate::generated::types;

const OPERATION: &str = "generate-music";

/// A request to generate music.
///
/// ```
/// use kie_suno::music::GenerateMusic;
/// use kie_suno::Model;
/// // The API writes the lyrics from a description (at most 500 characters).
/// let simple = GenerateMusic::from_description("a calm piano piece for a rainy evening");
/// // Custom mode: your style and title, and your lyrics or no vocals.
/// let custom = GenerateMusic::custom("dream pop", "Night Drive")
///     .lyrics("[Verse]\nCity lights ...")
///     .model(Model::V4_5)
///     .style_weight(0.65)
///     .callback_url("https://example.com/suno/callback");
/// # let _ = (simple, custom);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateMusic {
    mode: Mode,
    instrumental: bool,
    shaping: Shaping,
}

impl GenerateMusic {
    /// Music from a description of it (at most 500 characters); the API
    /// writes the lyrics, style and title.
    pub fn from_description(description: impl Into<String>) -> Self {
        GenerateMusic {
            mode: Mode::Description(description.into()),
            instrumental: false,
            shaping: Shaping::new(DEFAULT_MODEL),
        }
    }

    /// Custom mode: the style and title are yours, and so are the lyrics
    /// ([`Self::lyrics`]) unless the music is [`Self::instrumental`].
    pub fn custom(style: impl Into<String>, title: impl Into<String>) -> Self {
        GenerateMusic {
            mode: Mode::custom(style, title),
            instrumental: false,
            shaping: Shaping::new(DEFAULT_MODEL),
        }
    }

    lyrics_setter!();

    instrumental_setter!();

    persona_setter!();

    shaping_setters!();

    /// Checks the page's rules; the request body when they hold.
    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::GenerateMusicBody, Error> {
        let model = &self.shaping.model;
        self.mode
            .check(OPERATION, self.instrumental, model, limits_title_80(model))?;
        self.shaping.check(OPERATION)?;
        if matches!(self.mode, Mode::Description(_)) && self.shaping.persona_id.is_some() {
            return Err(Error::InvalidRequest {
                operation: OPERATION,
                field: "personaId",
                problem: "applies only in custom mode".to_owned(),
            });
        }
        let vocal_gender = self.shaping.gender();
        let (custom_mode, prompt, style, title) = self.mode.into_parts();
        let s = self.shaping;
        Ok(types::GenerateMusicBody {
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
            vocal_gender,
            weirdness_constraint: s.weirdness,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Model;

    fn hook() -> url::Url {
        url::Url::parse("https://example.com/hook").unwrap()
    }

    fn refusal(request: GenerateMusic) -> (&'static str, String) {
        match request.into_body(&hook()) {
            Err(Error::InvalidRequest { field, problem, .. }) => (field, problem),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_description_is_sent_in_non_custom_mode_without_style_or_title() {
        let body = GenerateMusic::from_description("calm piano")
            .into_body(&hook())
            .unwrap();
        assert!(!body.custom_mode);
        assert_eq!(body.prompt, "calm piano");
        assert_eq!((body.style, body.title), (None, None));
        assert_eq!(body.model, "V5");
        assert_eq!(body.call_back_url, "https://example.com/hook");
    }

    #[test]
    fn a_description_over_500_characters_is_refused() {
        let (field, problem) = refusal(GenerateMusic::from_description("x".repeat(501)));
        assert_eq!(field, "prompt");
        assert!(problem.contains("at most 500"), "{problem}");
    }

    #[test]
    fn custom_mode_needs_lyrics_unless_instrumental() {
        let (field, _) = refusal(GenerateMusic::custom("jazz", "Blue"));
        assert_eq!(field, "prompt");
        let body = GenerateMusic::custom("jazz", "Blue")
            .instrumental()
            .into_body(&hook())
            .unwrap();
        assert!(body.custom_mode && body.instrumental);
        assert_eq!(body.style.as_deref(), Some("jazz"));
    }

    #[test]
    fn limits_follow_the_model_and_unknown_models_pass() {
        let lyrics = "la ".repeat(1200); // 3600 characters
        let (field, problem) = refusal(
            GenerateMusic::custom("pop", "T")
                .lyrics(&lyrics)
                .model(Model::V4),
        );
        assert_eq!(field, "prompt");
        assert!(problem.contains("at most 3000 for V4"), "{problem}");
        assert!(
            GenerateMusic::custom("pop", "T")
                .lyrics(&lyrics)
                .model(Model::V4_5)
                .into_body(&hook())
                .is_ok()
        );
        let future = Model::from("V9_TURBO");
        let body = GenerateMusic::custom("s".repeat(3000), "T")
            .lyrics("l".repeat(9000))
            .model(future)
            .into_body(&hook())
            .unwrap();
        assert_eq!(body.model, "V9_TURBO");
    }

    #[test]
    fn titles_are_at_most_80_characters_for_every_model() {
        let (field, _) = refusal(GenerateMusic::custom("pop", "t".repeat(81)).instrumental());
        assert_eq!(field, "title");
    }

    #[test]
    fn weights_out_of_range_or_too_precise_are_refused() {
        let (field, _) = refusal(GenerateMusic::from_description("x").style_weight(1.2));
        assert_eq!(field, "styleWeight");
        let (field, _) = refusal(GenerateMusic::from_description("x").weirdness(0.123));
        assert_eq!(field, "weirdnessConstraint");
    }

    #[test]
    fn a_persona_needs_custom_mode() {
        let (field, _) = refusal(GenerateMusic::from_description("x").persona_id("p1"));
        assert_eq!(field, "personaId");
    }
}
