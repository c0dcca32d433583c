//! The commands that create tasks: `suno generate`, `extend`, `lyrics`,
//! `wav` and `separate`. Each checks its arguments before anything is sent
//! (exit 2), prints the new task's id at once (on stderr with `--wait`, so
//! that it is never lost), and with `--wait` follows the task as `suno
//! wait` does. A create whose answer was lost exits 7: the task may exist.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use kie_suno::lyrics::GenerateLyrics;
use kie_suno::music::{ExtendMusic, GenerateMusic, VocalGender};
use kie_suno::separation::SeparateVocals;
use kie_suno::wait::Family;
use kie_suno::wav::ConvertToWav;
use kie_suno::{Client, Model, TaskHandle};

use crate::connection::{ApiOptions, Connection, Global, Journaling};
use crate::exit::Failure;
use crate::kinds::{Stages, Until};
use crate::output::Show;
use crate::wait::Follow;

/// What every create command takes.
#[derive(Args)]
pub struct CreateOptions {
    #[command(flatten)]
    api: ApiOptions,
    #[command(flatten)]
    journaling: Journaling,
    /// Where the API posts the task's results. Required by the API;
    /// whoever receives it gets the results.
    #[arg(long, env = "KIE_CALLBACK_URL", hide_env_values = true)]
    callback_url: Option<String>,
    /// Allow a plain http:// callback URL off this machine (the results
    /// then cross the network in clear text).
    #[arg(long)]
    allow_insecure_callback: bool,
    /// Wait for the task and print what `suno wait` prints.
    #[arg(long)]
    wait: bool,
    /// With --wait: how far the task must get (streamable: music only).
    #[arg(long, value_enum, default_value = "complete", requires = "wait")]
    until: Until,
    /// With --wait: the longest to wait (e.g. 90s, 10m).
    #[arg(long, default_value = "10m", value_parser = crate::duration::parse, requires = "wait")]
    timeout: Duration,
    /// With --wait: wake on the provider's callbacks arriving at this
    /// address (the public --callback-url may differ behind a proxy).
    #[arg(long, value_name = "HOST:PORT", requires = "wait")]
    listen: Option<std::net::SocketAddr>,
    /// With --listen: accept unsigned callbacks (no KIE_WEBHOOK_HMAC_KEY).
    #[arg(long, requires = "listen")]
    insecure_no_verify: bool,
    /// With --wait: how long a task the API does not list yet is looked
    /// for, from its create (live, new tasks can be unknown for 90 s).
    #[arg(long, default_value = "3m", value_parser = crate::duration::parse, requires = "wait")]
    not_found_grace: Duration,
    /// With --wait: save the task's files (audio, cover images, ...) here.
    #[arg(long, value_name = "DIR", requires = "wait")]
    download: Option<PathBuf>,
    /// Print JSON: `{"task_id", "operation"}`, or with --wait one record
    /// per line.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// A description of the music (at most 500 characters); in custom mode
    /// (--style, --title), the lyrics.
    #[arg(long, conflicts_with = "lyrics_file")]
    prompt: Option<String>,
    /// Custom mode: the lyrics, from a file.
    #[arg(long, value_name = "FILE")]
    lyrics_file: Option<PathBuf>,
    /// Custom mode: the music's style.
    #[arg(long, requires = "title")]
    style: Option<String>,
    /// Custom mode: the title.
    #[arg(long, requires = "style")]
    title: Option<String>,
    /// No vocals.
    #[arg(long)]
    instrumental: bool,
    #[command(flatten)]
    sound: SoundArgs,
    /// A persona to sing (custom mode).
    #[arg(long)]
    persona_id: Option<String>,
    #[command(flatten)]
    pub create: CreateOptions,
}

/// The shaping options generate and extend share.
#[derive(Args)]
pub struct SoundArgs {
    /// The model (V4, V4_5, V4_5PLUS, V4_5ALL, V5, V5_5, ...; default V5).
    #[arg(long)]
    model: Option<String>,
    /// Styles to avoid.
    #[arg(long)]
    negative_tags: Option<String>,
    /// The singer's voice: m or f.
    #[arg(long, value_parser = ["m", "f"])]
    vocal_gender: Option<String>,
    /// How strongly the style is followed (0 to 1, two decimals).
    #[arg(long)]
    style_weight: Option<f64>,
    /// How far the music may stray (0 to 1, two decimals).
    #[arg(long)]
    weirdness: Option<f64>,
    /// How strongly audio input is followed (0 to 1, two decimals).
    #[arg(long)]
    audio_weight: Option<f64>,
}

#[derive(Args)]
pub struct ExtendArgs {
    /// The track to extend (its audio id).
    audio_id: String,
    /// The model the track was made with (required by the API).
    #[arg(long)]
    model: String,
    /// New lyrics from --continue-at (with --style and --title); without
    /// them, the track's own parameters are used.
    #[arg(long, requires_all = ["style", "title", "continue_at"])]
    prompt: Option<String>,
    /// The extension's style.
    #[arg(long, requires = "prompt")]
    style: Option<String>,
    /// The extension's title.
    #[arg(long, requires = "prompt")]
    title: Option<String>,
    /// Seconds into the track to continue from.
    #[arg(long, requires = "prompt")]
    continue_at: Option<f64>,
    #[command(flatten)]
    pub create: CreateOptions,
}

#[derive(Args)]
pub struct LyricsArgs {
    /// What the lyrics are about (at most 200 characters).
    #[arg(long)]
    prompt: String,
    #[command(flatten)]
    pub create: CreateOptions,
}

#[derive(Args)]
pub struct TrackArgs {
    /// The music task the track belongs to.
    task_id: String,
    /// The track (its audio id).
    audio_id: String,
    #[command(flatten)]
    pub create: CreateOptions,
}

#[derive(Args)]
pub struct SeparateArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    /// Up to 12 stems instead of vocals and instrumental (costs more).
    #[arg(long)]
    split_stems: bool,
}

impl CreateOptions {
    /// The connection of this create: its options, else `suno`'s.
    pub fn connection(&self, global: &Global) -> Connection {
        global.journaling(&self.api, &self.journaling)
    }
}

/// The client for a create: the connection's, with the callback URL.
async fn client(conn: &Connection, options: &CreateOptions) -> Result<Client, Failure> {
    let Some(callback_url) = &options.callback_url else {
        return Err(Failure::Usage(
            "no callback URL: the API requires one (it posts the task's results to it, so \
             only name an address you control); pass --callback-url or set KIE_CALLBACK_URL"
                .into(),
        ));
    };
    Ok(crate::connection::client_builder(conn)
        .await?
        .callback_url(callback_url)
        .allow_insecure_callback(options.allow_insecure_callback)
        .build()?)
}

/// A create's result; either way, what the journal could not record of
/// it is shown first.
async fn created<F: Family>(
    client: &Client,
    result: Result<TaskHandle<F>, kie_suno::Error>,
) -> Result<TaskHandle<F>, Failure> {
    crate::journal::show_unwritten(client).await;
    Ok(result?)
}

/// Reports a new task, then follows it if asked.
async fn report<F>(
    client: &Client,
    operation: &str,
    task: TaskHandle<F>,
    options: &CreateOptions,
) -> Result<u8, Failure>
where
    F: Family + Stages,
    F::Record: Show + kie_suno::download::TaskFiles,
{
    let line = serde_json::json!({ "task_id": task.id(), "operation": operation });
    if !options.wait {
        if options.json {
            say!("{line}");
        } else {
            say!("{}", task.id());
        }
        return Ok(0);
    }
    tell!("created {} task {} ({operation})", F::KIND, task.id());
    let follow = Follow {
        until: options.until,
        timeout: options.timeout,
        json: options.json,
        listen: options.listen,
        insecure_no_verify: options.insecure_no_verify,
        download: options.download.clone(),
        just_created: true,
        ages: [(task.id().to_owned(), task.age().unwrap_or_default())].into(),
        not_found_grace: Some(options.not_found_grace),
    };
    crate::wait::follow::<F>(client, &[task.id().to_owned()], &follow)
        .await
        .map_err(|failure| failure.after_create(task.id()))
}

pub async fn generate(conn: &Connection, args: GenerateArgs) -> Result<u8, Failure> {
    let lyrics = match &args.lyrics_file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            Failure::Usage(format!(
                "cannot read the lyrics file {}: {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    let mut request = match (&args.style, &args.title) {
        (Some(style), Some(title)) => {
            let mut request = GenerateMusic::custom(style, title);
            if let Some(lyrics) = lyrics.or(args.prompt.clone()) {
                request = request.lyrics(lyrics);
            }
            request
        }
        _ => match (&args.prompt, lyrics) {
            (Some(prompt), None) => GenerateMusic::from_description(prompt),
            (_, Some(_)) => {
                return Err(Failure::Usage(
                    "--lyrics-file is for custom mode: give --style and --title too".into(),
                ));
            }
            (None, None) => {
                return Err(Failure::Usage(
                    "say what to make: --prompt TEXT (a description), or --style and --title \
                     with --prompt/--lyrics-file (lyrics) or --instrumental"
                        .into(),
                ));
            }
        },
    };
    if args.instrumental {
        request = request.instrumental();
    }
    if let Some(persona) = args.persona_id {
        request = request.persona_id(persona);
    }
    let s = args.sound;
    if let Some(model) = s.model {
        request = request.model(Model::from(model.as_str()));
    }
    if let Some(tags) = s.negative_tags {
        request = request.negative_tags(tags);
    }
    if let Some(gender) = s.vocal_gender {
        request = request.vocal_gender(gender_of(&gender));
    }
    if let Some(w) = s.style_weight {
        request = request.style_weight(w);
    }
    if let Some(w) = s.weirdness {
        request = request.weirdness(w);
    }
    if let Some(w) = s.audio_weight {
        request = request.audio_weight(w);
    }
    let client = client(conn, &args.create).await?;
    let task = created(&client, client.music().generate(request).await).await?;
    report(&client, "generate", task, &args.create).await
}

fn gender_of(text: &str) -> VocalGender {
    if text == "f" {
        VocalGender::Female
    } else {
        VocalGender::Male
    }
}

pub async fn extend(conn: &Connection, args: ExtendArgs) -> Result<u8, Failure> {
    let model = Model::from(args.model.as_str());
    let request = match (args.prompt, args.style, args.title, args.continue_at) {
        (Some(prompt), Some(style), Some(title), Some(at)) => {
            ExtendMusic::custom(&args.audio_id, model, prompt, style, title, at)
        }
        _ => ExtendMusic::from_original(&args.audio_id, model),
    };
    let client = client(conn, &args.create).await?;
    let task = created(&client, client.music().extend(request).await).await?;
    report(&client, "extend", task, &args.create).await
}

pub async fn lyrics(conn: &Connection, args: LyricsArgs) -> Result<u8, Failure> {
    let client = client(conn, &args.create).await?;
    let task = created(
        &client,
        client
            .lyrics()
            .generate(GenerateLyrics::new(args.prompt))
            .await,
    )
    .await?;
    report(&client, "lyrics", task, &args.create).await
}

pub async fn wav(conn: &Connection, args: TrackArgs) -> Result<u8, Failure> {
    let client = client(conn, &args.create).await?;
    let request = ConvertToWav::new(&args.task_id, &args.audio_id);
    let task = created(&client, client.wav().convert(request).await).await?;
    report(&client, "wav", task, &args.create).await
}

pub async fn separate(conn: &Connection, args: SeparateArgs) -> Result<u8, Failure> {
    let track = args.track;
    let client = client(conn, &track.create).await?;
    let mut request = SeparateVocals::new(&track.task_id, &track.audio_id);
    if args.split_stems {
        request = request.split_stems();
    }
    let task = created(&client, client.vocal_separation().separate(request).await).await?;
    report(&client, "separate", task, &track.create).await
}
