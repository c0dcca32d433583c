//! The Generate Music request (`POST /api/v1/generate`) in its two
//! documented modes: from a description (the API writes lyrics, style and
//! title), or custom (your lyrics, style and title), with the rules its
//! page states checked before sending.

use crate::error::Error;
use crate::generated::types;
use crate::params::Model;
use crate::validate;

const OPERATION: &str = "generate-music";

/// The singer's voice, where a request can ask for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VocalGender {
    /// `m`.
    Male,
    /// `f`.
    Female,
}

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
    model: Model,
    negative_tags: Option<String>,
    vocal_gender: Option<VocalGender>,
    style_weight: Option<f64>,
    weirdness: Option<f64>,
    audio_weight: Option<f64>,
    persona_id: Option<String>,
    callback_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Description(String),
    Custom {
        style: String,
        title: String,
        lyrics: Option<String>,
    },
}

/// The model a request uses unless told otherwise.
pub const DEFAULT_MODEL: Model = Model::V5;

impl GenerateMusic {
    fn new(mode: Mode) -> Self {
        GenerateMusic {
            mode,
            instrumental: false,
            model: DEFAULT_MODEL,
            negative_tags: None,
            vocal_gender: None,
            style_weight: None,
            weirdness: None,
            audio_weight: None,
            persona_id: None,
            callback_url: None,
        }
    }

    /// Music from a description of it (at most 500 characters); the API
    /// writes the lyrics, style and title.
    pub fn from_description(description: impl Into<String>) -> Self {
        GenerateMusic::new(Mode::Description(description.into()))
    }

    /// Custom mode: the style and title are yours, and so are the lyrics
    /// ([`Self::lyrics`]) unless the music is [`Self::instrumental`].
    pub fn custom(style: impl Into<String>, title: impl Into<String>) -> Self {
        GenerateMusic::new(Mode::Custom {
            style: style.into(),
            title: title.into(),
            lyrics: None,
        })
    }

    /// The lyrics, sung as written (custom mode only; in description mode
    /// the description is kept and this is ignored).
    pub fn lyrics(mut self, lyrics: impl Into<String>) -> Self {
        if let Mode::Custom { lyrics: l, .. } = &mut self.mode {
            *l = Some(lyrics.into());
        }
        self
    }

    /// No vocals.
    pub fn instrumental(mut self) -> Self {
        self.instrumental = true;
        self
    }

    /// The model (default [`DEFAULT_MODEL`]). Models this SDK does not know
    /// are sent as they are, without their length limits checked.
    pub fn model(mut self, model: Model) -> Self {
        self.model = model;
        self
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

    /// How far the music may stray (`weirdnessConstraint`), 0 to 1 in steps
    /// of 0.01.
    pub fn weirdness(mut self, weight: f64) -> Self {
        self.weirdness = Some(weight);
        self
    }

    /// How strongly audio input is followed, 0 to 1 in steps of 0.01.
    pub fn audio_weight(mut self, weight: f64) -> Self {
        self.audio_weight = Some(weight);
        self
    }

    /// A persona to sing (custom mode only), from Generate Persona.
    pub fn persona_id(mut self, id: impl Into<String>) -> Self {
        self.persona_id = Some(id.into());
        self
    }

    /// Where the API posts the task's results (default: the client's
    /// [`callback_url`](crate::ClientBuilder::callback_url)).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    pub(crate) fn own_callback_url(&self) -> Option<&str> {
        self.callback_url.as_deref()
    }

    /// Checks the page's rules; the request body when they hold.
    pub(crate) fn into_body(
        self,
        callback_url: &url::Url,
    ) -> Result<types::GenerateMusicBody, Error> {
        self.check()?;
        let (custom_mode, prompt, style, title) = match self.mode {
            Mode::Description(prompt) => (false, prompt, None, None),
            Mode::Custom {
                style,
                title,
                lyrics,
            } => (true, lyrics.unwrap_or_default(), Some(style), Some(title)),
        };
        Ok(types::GenerateMusicBody {
            audio_weight: self.audio_weight,
            call_back_url: callback_url.to_string(),
            custom_mode,
            instrumental: self.instrumental,
            model: self.model.as_str().to_owned(),
            negative_tags: self.negative_tags,
            persona_id: self.persona_id,
            prompt,
            style,
            style_weight: self.style_weight,
            title,
            vocal_gender: self.vocal_gender.map(|g| match g {
                VocalGender::Male => types::GenerateMusicBodyVocalGender::M,
                VocalGender::Female => types::GenerateMusicBodyVocalGender::F,
            }),
            weirdness_constraint: self.weirdness,
        })
    }

    fn check(&self) -> Result<(), Error> {
        match &self.mode {
            Mode::Description(prompt) => {
                validate::required(OPERATION, "prompt", prompt)?;
                validate::max_chars(OPERATION, "prompt", prompt, 500, "for a description")?;
                if self.persona_id.is_some() {
                    return Err(Error::InvalidRequest {
                        operation: OPERATION,
                        field: "personaId",
                        problem: "applies only in custom mode".to_owned(),
                    });
                }
            }
            Mode::Custom {
                style,
                title,
                lyrics,
            } => {
                validate::required(OPERATION, "style", style)?;
                validate::required(OPERATION, "title", title)?;
                validate::max_chars(OPERATION, "title", title, 80, "for every model")?;
                let limits = limits(&self.model);
                if let Some((prompt_max, style_max)) = limits {
                    let rule = format!("for {}", self.model);
                    validate::max_chars(OPERATION, "style", style, style_max, &rule)?;
                    if let Some(lyrics) = lyrics {
                        validate::max_chars(OPERATION, "prompt", lyrics, prompt_max, &rule)?;
                    }
                }
                match lyrics {
                    Some(lyrics) if !self.instrumental => {
                        validate::required(OPERATION, "prompt", lyrics)?
                    }
                    None if !self.instrumental => {
                        return Err(Error::InvalidRequest {
                            operation: OPERATION,
                            field: "prompt",
                            problem: "(the lyrics) is required in custom mode unless the music \
                                      is instrumental"
                                .to_owned(),
                        });
                    }
                    _ => {}
                }
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

/// The custom-mode limits of a model the page lists: (lyrics, style)
/// characters. `None` for a model it does not list.
fn limits(model: &Model) -> Option<(usize, usize)> {
    match model {
        Model::V3_5 | Model::V4 => Some((3000, 200)),
        Model::V4_5 | Model::V4_5Plus | Model::V4_5All | Model::V5 | Model::V5_5 => {
            Some((5000, 1000))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
