//! The music calls that answer at once instead of making a task: the
//! lyrics of a track aligned word by word, a style description made
//! richer, and a persona from a track's vocals. The last two cost credits
//! and are sent under the create rules (never resent once they may have
//! reached the API).

use serde::Serialize;

use super::MusicApi;
use crate::create::{self, Paid};
use crate::envelope;
use crate::error::Error;
use crate::generated::types;
use crate::validate;

/// A track's lyrics aligned to its audio, word by word (the generated
/// type: `aligned_words` with `word`, `start_s`, `end_s`; `waveform_data`).
pub type TimestampedLyrics = types::TimestampedLyrics;

/// A persona made from a track's vocals, to sing other music
/// ([`GenerateMusic::persona_id`](super::GenerateMusic::persona_id)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Persona {
    /// Its id.
    pub persona_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its description.
    pub description: Option<String>,
}

/// A request to make a persona from a track's vocals.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratePersona {
    task_id: String,
    audio_id: String,
    name: String,
    description: String,
    style: Option<String>,
    vocals: (f64, f64),
}

impl GeneratePersona {
    /// From the track `audio_id` of the music task `task_id`, analysing its
    /// first 30 seconds.
    pub fn new(
        task_id: impl Into<String>,
        audio_id: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        GeneratePersona {
            task_id: task_id.into(),
            audio_id: audio_id.into(),
            name: name.into(),
            description: description.into(),
            style: None,
            vocals: (0.0, 30.0),
        }
    }

    /// The persona's style.
    pub fn style(mut self, style: impl Into<String>) -> Self {
        self.style = Some(style.into());
        self
    }

    /// The segment to analyse, in seconds: 10 to 30 seconds long.
    pub fn vocals(mut self, start: f64, end: f64) -> Self {
        self.vocals = (start, end);
        self
    }

    fn into_body(self) -> Result<types::GeneratePersonaBody, Error> {
        const OPERATION: &str = "generate-persona";
        validate::required(OPERATION, "taskId", &self.task_id)?;
        validate::required(OPERATION, "audioId", &self.audio_id)?;
        validate::required(OPERATION, "name", &self.name)?;
        validate::required(OPERATION, "description", &self.description)?;
        let (start, end) = self.vocals;
        validate::seconds(OPERATION, "vocalStart", start)?;
        validate::seconds(OPERATION, "vocalEnd", end)?;
        if !(10.0..=30.0).contains(&(end - start)) {
            return Err(Error::InvalidRequest {
                operation: OPERATION,
                field: "vocalEnd",
                problem: format!(
                    "makes a segment of {:.2} s; from vocalStart it must be 10 to 30 s",
                    end - start
                ),
            });
        }
        Ok(types::GeneratePersonaBody {
            audio_id: self.audio_id,
            description: self.description,
            name: self.name,
            style: self.style,
            task_id: self.task_id,
            vocal_end: end,
            vocal_start: start,
        })
    }
}

impl MusicApi<'_> {
    /// The lyrics of the track `audio_id` of the music task `task_id`,
    /// aligned word by word (`POST /api/v1/generate/get-timestamped-lyrics`).
    pub async fn timestamped_lyrics(
        self,
        task_id: &str,
        audio_id: &str,
    ) -> Result<TimestampedLyrics, Error> {
        const OPERATION: &str = "get-timestamped-lyrics";
        validate::required(OPERATION, "taskId", task_id)?;
        validate::required(OPERATION, "audioId", audio_id)?;
        let body = types::GetTimestampedLyricsBody {
            audio_id: audio_id.to_owned(),
            task_id: task_id.to_owned(),
        };
        let sent = self
            .client
            .generated()
            .get_timestamped_lyrics()
            .body(body)
            .send();
        let (answer, hint) = self.client.answer(sent).await?;
        envelope::check(answer.code, answer.msg, answer.data, hint)?.ok_or(
            Error::IncompleteAnswer {
                operation: OPERATION,
                problem: "success, without the lyrics",
            },
        )
    }

    /// A richer version of a style description, e.g. "Pop, Mysterious"
    /// (`POST /api/v1/style/generate`). Costs credits.
    pub async fn boost_style(self, style: &str) -> Result<String, Error> {
        const OPERATION: &str = "boost-music-style";
        validate::required(OPERATION, "content", style)?;
        let body = types::BoostMusicStyleBody {
            content: style.to_owned(),
        };
        let inner = self.client.generated();
        let paid = Paid {
            operation: OPERATION,
            callback_url: None,
            open: |a: types::BoostMusicStyleResponse, hint| {
                let result = a
                    .data
                    .and_then(|d| d.result)
                    .filter(|r| !r.trim().is_empty());
                envelope::check(a.code, a.msg, result, hint)
            },
            missing: "success, without the style",
        };
        create::send_paid(self.client, paid, || {
            inner.boost_music_style().body(body.clone()).send()
        })
        .await
    }

    /// A persona from a track's vocals (`POST
    /// /api/v1/generate/generate-persona`). Costs credits.
    pub async fn persona(self, request: GeneratePersona) -> Result<Persona, Error> {
        let body = request.into_body()?;
        let inner = self.client.generated();
        let paid = Paid {
            operation: "generate-persona",
            callback_url: None,
            open: |a: types::GeneratePersonaResponse, hint| {
                let persona = a.data.and_then(|d| {
                    Some(Persona {
                        persona_id: d.persona_id.filter(|id| !id.is_empty())?,
                        name: d.name,
                        description: d.description,
                    })
                });
                envelope::check(a.code, a.msg, persona, hint)
            },
            missing: "success, without the persona's id",
        };
        create::send_paid(self.client, paid, || {
            inner.generate_persona().body(body.clone()).send()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persona_segment_is_10_to_30_seconds() {
        let request =
            |start, end| GeneratePersona::new("t", "a", "Nova", "airy").vocals(start, end);
        assert!(request(0.0, 30.0).into_body().is_ok());
        assert!(request(5.0, 15.0).into_body().is_ok());
        let e = request(0.0, 45.0).into_body().unwrap_err();
        assert!(e.to_string().contains("10 to 30 s"), "{e}");
        assert!(request(20.0, 25.0).into_body().is_err());
        assert!(request(-1.0, 20.0).into_body().is_err());
    }
}
