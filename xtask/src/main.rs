//! `cargo xtask <command>`: maintainer tasks for the kie-suno workspace.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::Layout;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let layout = Layout::workspace();
    let result = match cli.command {
        Command::UpdateSpec { inputs, dry_run } => {
            xtask::update::plan(&layout, &inputs).and_then(|update| {
                print!("{update}");
                if dry_run {
                    println!("dry run: nothing written");
                } else {
                    xtask::update::apply(&layout, &update)?;
                    println!("wrote spec/upstream and {}", layout.output.display());
                }
                Ok(true)
            })
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
