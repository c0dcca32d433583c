//! `suno drift`: what the API's answers held that its description does
//! not say (see `kie_suno::drift`): with task ids, of the answers to the
//! balance and those tasks (written to the journal too); without, the
//! journal's drift table, which every command's client adds to. One line
//! per finding, or with `--json` the report that `cargo xtask drift
//! REPORT.json` turns into proposed fix-ups.

use kie_suno::Client;
use kie_suno::drift::{DriftEntry, DriftKind, DriftReport};
use kie_suno::wait::Family;

use crate::exit::Failure;
use crate::kinds::Kind;

/// Prints the journal's drift table when no task is named and there is a
/// journal; else looks at the balance and at each task (of `kind`) and
/// prints the drift of those answers. A task that cannot be read is said
/// on stderr; the command fails only when nothing could be read.
pub async fn run(
    client: &Client,
    task_ids: &[String],
    kind: Kind,
    json: bool,
) -> Result<u8, Failure> {
    if let (true, Some(journal)) = (task_ids.is_empty(), client.journal()) {
        let report = journal.drift().await.map_err(kie_suno::Error::Journal)?;
        print_report(&report, json);
        return Ok(0);
    }
    let mut first_failure = None;
    let mut answered = 0;
    match client.credits().await {
        Ok(_) => answered += 1,
        Err(e) => {
            tell!("credits: {e}");
            first_failure = Some(e);
        }
    }
    for task_id in task_ids {
        let fetched = crate::kinds::for_kind!(kind, F => fetch::<F>(client, task_id).await);
        match fetched {
            Ok(()) => answered += 1,
            Err(e) => {
                tell!("task {task_id}: {e}");
                first_failure.get_or_insert(e);
            }
        }
    }
    if answered == 0
        && let Some(e) = first_failure
    {
        return Err(e.into());
    }
    print_report(&client.drift(), json);
    Ok(0)
}

async fn fetch<F: Family>(client: &Client, task_id: &str) -> Result<(), kie_suno::Error> {
    F::fetch(client, task_id).await.map(|_| ())
}

fn print_report(report: &DriftReport, json: bool) {
    if json {
        let text = serde_json::to_string_pretty(report).unwrap_or_default();
        say!("{text}");
    } else {
        put!("{}", shown(report));
    }
}

/// The report, one line per finding, then how many answers were compared.
fn shown(report: &DriftReport) -> String {
    let compared: u64 = report.compared.values().sum();
    let mut text = String::new();
    for entry in &report.entries {
        text.push_str(&line(entry, report.compared.get(&entry.operation)));
        text.push('\n');
    }
    if report.is_empty() {
        text.push_str(&format!(
            "{compared} answers compared: nothing the description does not say\n"
        ));
    } else {
        text.push_str(&format!(
            "{} findings in {compared} answers compared (--json for `cargo xtask drift`)\n",
            report.entries.len()
        ));
    }
    text
}

fn line(entry: &DriftEntry, compared: Option<&u64>) -> String {
    let what = match &entry.kind {
        DriftKind::UnknownField => format!("a field the description lacks ({})", entry.seen),
        DriftKind::UnknownEnumValue => format!("a value the enum lacks: {:?}", entry.seen),
        DriftKind::OtherType { declared } => {
            format!("{} where the description says {declared}", entry.seen)
        }
        DriftKind::NullNotNullable => "null where the description is not nullable".to_owned(),
        _ => format!("{:?}", entry.kind),
    };
    format!(
        "{} {}: {what}; in {} of {} answers",
        entry.operation,
        entry.path,
        entry.count,
        compared.copied().unwrap_or(entry.count)
    )
}
