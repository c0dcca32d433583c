//! `cargo xtask <command>`: maintainer tasks for the kie-suno workspace.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::Layout;
use xtask::stats::Spread;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer tasks for the kie-suno workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert spec/upstream/* to OpenAPI, apply spec/fixes.yaml, write sdk/openapi.json.
    Spec,
    /// Fail when sdk/openapi.json is not what `cargo xtask spec` would write.
    Check,
    /// Run the benchmarks, print `name=value` figures, write BENCHMARKS.md.
    Bench {
        /// Run each briefly on debug builds, skip the build-time ratio, write
        /// nothing (CI smoke: the figures exist, their values mean little).
        #[arg(long)]
        quick: bool,
        /// Instead, run the soak at 1,000, 10,000 and 100,000 tasks and write
        /// its table as the Scale section of BENCHMARKS.md (with --quick:
        /// 100 and 1,000 tasks, debug builds, nothing written).
        #[arg(long)]
        scale: bool,
    },
    /// List the JSON examples of the prose pages (callbacks, quickstarts,
    /// webhook verification): `file:line [heading] json`, one per line.
    Examples {
        /// Pages or directories (default: spec/upstream).
        inputs: Vec<std::path::PathBuf>,
    },
    /// Fail when the modules of a crate import each other in a circle
    /// (default: kie-suno, the suno command and xtask).
    Cycles {
        /// Source directories of crates (each with its lib.rs or main.rs).
        dirs: Vec<std::path::PathBuf>,
    },
    /// Take new provider pages or OpenAPI documents, regenerate, and report
    /// the API changes. Exit 0 done, 1 a fix-up target vanished or an input
    /// could not be converted (nothing written), 2 usage.
    UpdateSpec {
        /// Pages (.md) or OpenAPI documents (.json, .yaml), or directories of them.
        #[arg(required = true)]
        inputs: Vec<std::path::PathBuf>,
        /// Print the report without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Turn a drift report (`suno drift --json`, or `Client::drift()` as
    /// JSON) into proposed fix-ups (an Overlay, each with its reason) and
    /// the change report they would make to sdk/openapi.json.
    Drift {
        /// The report (JSON).
        report: std::path::PathBuf,
        /// Write the proposed fix-ups here instead of printing them.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// Prints each crate's module cycles; fails if there are any.
fn cycles(dirs: Vec<std::path::PathBuf>) -> ExitCode {
    let root = xtask::workspace_root();
    let dirs = if dirs.is_empty() {
        ["sdk-ext/src", "cli/src", "xtask/src"]
            .iter()
            .map(|d| root.join(d))
            .collect()
    } else {
        dirs
    };
    let mut failed = false;
    for dir in dirs {
        match xtask::cycles::find(&dir) {
            Ok(cycles) if cycles.is_empty() => println!("{}: no module cycles", dir.display()),
            Ok(cycles) => {
                failed = true;
                for cycle in cycles {
                    eprint!("{}: {cycle}", dir.display());
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn bench(quick: bool) -> ExitCode {
    let root = xtask::workspace_root();
    let mut figures = match xtask::bench::run_benchmarks(&root, quick) {
        Ok(figures) => figures,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !quick {
        match xtask::bench::build_times(&root, 3) {
            Ok(times) => figures.extend(build_figures(&times)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    for figure in &figures {
        println!("{figure}");
    }
    let near: Vec<&str> = figures
        .iter()
        .filter(|f| f.verdict() == Some(xtask::bench::Verdict::WithinNoise))
        .map(|f| f.name.as_str())
        .collect();
    if !near.is_empty() {
        println!("within noise of their goal: {}", near.join(", "));
    }
    if quick {
        return ExitCode::SUCCESS;
    }
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let mut table = xtask::bench::markdown(&figures, &date, "cargo xtask bench");
    // The scale curve is measured by its own run (`--scale`): kept.
    let path = root.join("BENCHMARKS.md");
    let before = std::fs::read_to_string(&path).unwrap_or_default();
    if let Some(curve) = xtask::scale::section(&before, xtask::scale::HEADING) {
        table = xtask::scale::with_section(&table, xtask::scale::HEADING, curve);
    }
    match std::fs::write(&path, table) {
        Ok(()) => {
            println!("wrote BENCHMARKS.md");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write BENCHMARKS.md: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask bench --scale`: the soak at each size, then the Scale
/// section of BENCHMARKS.md (not for `quick`); fails when a soak did.
fn scale(quick: bool) -> ExitCode {
    let root = xtask::workspace_root();
    let rows = match xtask::scale::run_scale(&root, quick) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let failed: Vec<String> = rows
        .iter()
        .filter(|row| !row.passed)
        .map(|row| row.tasks.to_string())
        .collect();
    if !quick {
        let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let path = root.join("BENCHMARKS.md");
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        let section = xtask::scale::markdown(&rows, &date);
        let after = xtask::scale::with_section(&before, xtask::scale::HEADING, &section);
        if let Err(e) = std::fs::write(&path, after) {
            eprintln!("error: cannot write BENCHMARKS.md: {e}");
            return ExitCode::FAILURE;
        }
        println!("wrote the Scale section of BENCHMARKS.md");
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: the soak failed (lost, duplicated or wrong tasks, requests over the limits, or a panic) at {} tasks",
            failed.join(", ")
        );
        ExitCode::FAILURE
    }
}

/// `build_ratio` and both sides' seconds, each a median with its spread.
fn build_figures(times: &[(f64, f64)]) -> Vec<xtask::bench::Figure> {
    let text = |x: f64, precision: usize| format!("{x:.precision$}");
    let columns: [(&str, Vec<f64>, usize); 3] = [
        ("build_ratio", times.iter().map(|(s, p)| s / p).collect(), 2),
        (
            "build_with_kie_suno_s",
            times.iter().map(|t| t.0).collect(),
            0,
        ),
        (
            "build_with_reqwest_s",
            times.iter().map(|t| t.1).collect(),
            0,
        ),
    ];
    columns
        .into_iter()
        .filter_map(|(name, values, precision)| {
            let spread = Spread::of(&values)?;
            Some(xtask::bench::Figure {
                name: name.to_owned(),
                value: text(spread.median, precision),
                spread: Some((text(spread.min, precision), text(spread.max, precision))),
                rounds: Some(spread.rounds),
            })
        })
        .collect()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let layout = Layout::workspace();
    let result = match cli.command {
        Command::Bench {
            quick,
            scale: false,
        } => return bench(quick),
        Command::Bench { quick, scale: true } => return scale(quick),
        Command::Cycles { dirs } => return cycles(dirs),
        Command::Examples { inputs } => {
            let inputs = if inputs.is_empty() {
                vec![layout.upstream.clone()]
            } else {
                inputs
            };
            xtask::prose_examples(&inputs).map(|examples| {
                for (path, example) in examples {
                    let json = match &example.value {
                        Ok(value) => value.to_string(),
                        Err(why) => format!("not JSON: {why}"),
                    };
                    println!(
                        "{}:{} [{}] {json}",
                        path.display(),
                        example.line,
                        example.heading
                    );
                }
                true
            })
        }
        Command::UpdateSpec { inputs, dry_run } => {
            xtask::update::run(&layout, &inputs, dry_run, &mut std::io::stdout()).map(|()| true)
        }
        Command::Drift { report, out } => {
            xtask::drift::run(&layout, &report, out.as_deref(), &mut std::io::stdout())
                .map(|()| true)
        }
        Command::Spec => xtask::write(&layout).map(|g| {
            print!("{}", g.report);
            println!("wrote {}", layout.output.display());
            true
        }),
        Command::Check => xtask::check(&layout).map(|(g, diff)| {
            print!("{}", g.report);
            match diff {
                None => {
                    println!("sdk/openapi.json is up to date");
                    true
                }
                Some(diff) => {
                    eprint!("{diff}");
                    eprintln!(
                        "sdk/openapi.json is stale: run `cargo xtask spec` and commit the result"
                    );
                    false
                }
            }
        }),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
