//! `cargo xtask bench --scale`: the fault-injection soak (tasks of every
//! family created and waited for through the SDK, 5% faults on creates and
//! polls, a tenth of the tasks in flight at once) at 1,000, 10,000 and
//! 100,000 tasks, as one table of how its cost grows: wall time, peak
//! resident memory, memory per task, and what went wrong. The table is the
//! `## Scale` section of BENCHMARKS.md, which the other figures' runs keep.

use std::path::Path;
use std::process::Command;

/// The sizes of the curve.
pub const SIZES: &[usize] = &[1_000, 10_000, 100_000];
/// The sizes of the CI smoke (debug builds).
pub const QUICK_SIZES: &[usize] = &[100, 1_000];
/// The heading of the section in BENCHMARKS.md.
pub const HEADING: &str = "## Scale";

/// One soak, read from its report line.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleRow {
    pub tasks: usize,
    pub concurrency: usize,
    pub wall_s: f64,
    pub peak_rss_mib: f64,
    pub lost: usize,
    pub duplicated: usize,
    pub wrong_outcome: usize,
    /// Creates answered with an unknown outcome (reported as such: the
    /// soak's faults lose some answers) and creates refused for good.
    pub unknown_outcomes: usize,
    pub refused_creates: usize,
    /// Requests the mock saw over its limits: creates over the account's
    /// window, polls over a task's rate.
    pub over_limit: usize,
    /// Nothing lost, duplicated, wrong, over the rate limits or panicking
    /// (the soak's own verdict, its exit code).
    pub passed: bool,
}

/// Reads the soak's `key=value` report line; `None` when a field is
/// missing or not a number.
pub fn parse_soak_line(line: &str, passed: bool) -> Option<ScaleRow> {
    let field = |name: &str| -> Option<&str> {
        line.split_whitespace()
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
    };
    let count = |name: &str| field(name)?.parse::<usize>().ok();
    let number = |name: &str| field(name)?.parse::<f64>().ok();
    let tasks = count("tasks")?;
    Some(ScaleRow {
        tasks,
        concurrency: concurrency(tasks),
        wall_s: number("wall_s")?,
        peak_rss_mib: number("peak_rss_mib")?,
        lost: count("lost")?,
        duplicated: count("duplicated")? + count("duplicated_creates")?,
        wrong_outcome: count("wrong_outcome")?,
        unknown_outcomes: count("unknown_outcomes")?,
        refused_creates: count("refused_creates")?,
        over_limit: count("rate_violations")? + count("create_rate_violations")?,
        passed,
    })
}

/// Tasks in flight at once for a soak of `tasks`.
pub fn concurrency(tasks: usize) -> usize {
    (tasks / 10).max(1)
}

/// Runs the soak binary once per size (release builds, or the debug ones
/// for `quick`), in increasing size.
pub fn run_scale(root: &Path, quick: bool) -> Result<Vec<ScaleRow>, String> {
    let profile: &[&str] = if quick { &[] } else { &["--release"] };
    let sizes = if quick { QUICK_SIZES } else { SIZES };
    let mut rows = Vec::new();
    for &tasks in sizes {
        let output = Command::new(crate::bench::cargo())
            .args(["run", "--quiet", "-p", "kie-suno-tests", "--bin", "soak"])
            .args(profile)
            .arg("--")
            .args(["--tasks", &tasks.to_string()])
            .args(["--concurrency", &concurrency(tasks).to_string()])
            .args(["--fault-rate", "0.05", "--seed", "7"])
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let row = stdout
            .lines()
            .rev()
            .find_map(|line| parse_soak_line(line, output.status.success()))
            .ok_or_else(|| {
                format!(
                    "the soak of {tasks} tasks printed no report line:\n{stdout}{}",
                    String::from_utf8_lossy(&output.stderr)
                )
            })?;
        println!("{}", row_line(&row));
        rows.push(row);
    }
    Ok(rows)
}

/// One row as the figures are printed: `scale_<tasks>_<what>=value`.
pub fn row_line(row: &ScaleRow) -> String {
    let n = row.tasks;
    format!(
        "scale_{n}_wall_s={:.1} scale_{n}_peak_rss_mib={:.1} scale_{n}_kib_per_task={:.2} \
         scale_{n}_lost={} scale_{n}_duplicated={} scale_{n}_wrong={} scale_{n}_over_limit={} \
         scale_{n}_passed={}",
        row.wall_s,
        row.peak_rss_mib,
        kib_per_task(row),
        row.lost,
        row.duplicated,
        row.wrong_outcome,
        row.over_limit,
        row.passed
    )
}

fn kib_per_task(row: &ScaleRow) -> f64 {
    row.peak_rss_mib * 1024.0 / row.tasks.max(1) as f64
}

/// The `## Scale` section: the table, and how to read it.
pub fn markdown(rows: &[ScaleRow], date: &str) -> String {
    let mut out = format!(
        "{HEADING}\n\nMeasured {date} on {} with `cargo xtask bench --scale`: the soak \
         (`tests/src/soak.rs`) at each size, one run each, seed 7, 5% faults, a tenth of the \
         tasks in flight. The mock API runs in the same process, so the memory is the SDK's \
         and the mock's (which keeps every task it made and every request it was sent). \
         \"Per task\" is the peak over the tasks; \"added per task\" is what each task beyond \
         the size above added to the peak. \"Over the limits\": creates the mock saw beyond \
         its window (1 s, which the client keeps too, counted from its answers) and polls \
         beyond a task's rate; any fails the soak. \"Unknown outcome\": creates whose \
         answer the faults lost, each reported as such; \"refused\": creates refused for good with no task made.\n\n\
         | tasks | in flight | wall s | tasks/s | peak RSS MiB | KiB per task | KiB added per task | lost | duplicated | wrong | over the limits | unknown outcome | refused | verdict |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        crate::bench::machine()
    );
    let mut previous: Option<&ScaleRow> = None;
    for row in rows {
        let added = previous.map_or_else(
            || "-".to_owned(),
            |p| {
                let tasks = row.tasks.saturating_sub(p.tasks).max(1) as f64;
                format!(
                    "{:.2}",
                    (row.peak_rss_mib - p.peak_rss_mib) * 1024.0 / tasks
                )
            },
        );
        out.push_str(&format!(
            "| {} | {} | {:.1} | {:.0} | {:.1} | {:.2} | {added} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.tasks,
            row.concurrency,
            row.wall_s,
            row.tasks as f64 / row.wall_s.max(f64::EPSILON),
            row.peak_rss_mib,
            kib_per_task(row),
            row.lost,
            row.duplicated,
            row.wrong_outcome,
            row.over_limit,
            row.unknown_outcomes,
            row.refused_creates,
            if row.passed { "passed" } else { "**failed**" },
        ));
        previous = Some(row);
    }
    out
}

/// The section of `doc` under `heading` (to the next `## ` heading or the
/// end), if there is one.
pub fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    span(doc, heading).map(|(start, end)| &doc[start..end])
}

/// `doc` with its section under `heading` replaced by `new`, or with `new`
/// appended when it has none.
pub fn with_section(doc: &str, heading: &str, new: &str) -> String {
    let new = format!("{}\n", new.trim_end());
    match span(doc, heading) {
        Some((start, end)) => {
            let tail = &doc[end..];
            let gap = if tail.is_empty() { "" } else { "\n" };
            format!("{}{new}{gap}{tail}", &doc[..start])
        }
        None => format!("{}\n\n{new}", doc.trim_end()),
    }
}

/// Where the section under `heading` starts (its heading line) and ends.
fn span(doc: &str, heading: &str) -> Option<(usize, usize)> {
    let start = if doc.starts_with(&format!("{heading}\n")) {
        0
    } else {
        doc.find(&format!("\n{heading}\n"))? + 1
    };
    let body = start + heading.len();
    let end = doc[body..]
        .find("\n## ")
        .map_or(doc.len(), |i| body + i + 1);
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "tasks=1000 completed=874 failed_as_scripted=90 lost=0 duplicated=0 \
        wrong_outcome=0 duplicated_creates=0 unknown_outcomes=31 unreported_tasks=0 \
        refused_creates=5 rate_violations=0 create_rate_violations=2 panics=0 \
        peak_rss_mib=41.5 wall_s=12.3";

    #[test]
    fn a_soak_report_line_reads_as_a_row() {
        let row = parse_soak_line(LINE, true).expect("a row");
        assert_eq!(row.tasks, 1000);
        assert_eq!(row.concurrency, 100);
        assert_eq!(row.unknown_outcomes, 31);
        assert_eq!(row.refused_creates, 5);
        assert_eq!(row.over_limit, 2);
        assert!((row.peak_rss_mib - 41.5).abs() < 1e-9);
        assert!((row.wall_s - 12.3).abs() < 1e-9);
        assert!(parse_soak_line("tasks=10 lost=x", true).is_none());
        assert!(parse_soak_line("example: something", true).is_none());
    }

    #[test]
    fn the_table_says_what_each_task_beyond_the_size_above_added() {
        let small = parse_soak_line(LINE, true).expect("row");
        let large = ScaleRow {
            tasks: 11_000,
            peak_rss_mib: 41.5 + 100.0,
            passed: false,
            ..small.clone()
        };
        let table = markdown(&[small, large], "2026-12-04");
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| 1")).collect();
        assert_eq!(rows.len(), 2, "{table}");
        assert!(rows[0].contains("| 42.50 | - |"), "{}", rows[0]);
        // 100 MiB over 10,000 more tasks: 10.24 KiB each.
        assert!(rows[1].contains("| 10.24 |"), "{}", rows[1]);
        assert!(rows[1].ends_with("| **failed** |"), "{}", rows[1]);
    }

    #[test]
    fn a_section_is_replaced_in_place_or_appended_and_the_rest_kept() {
        let doc = "# Benchmarks\n\ntable\n\n## Scale\n\nold\n\n## Baselines\n\n- a\n";
        let new = with_section(doc, HEADING, "## Scale\n\nnew\n");
        assert_eq!(
            new,
            "# Benchmarks\n\ntable\n\n## Scale\n\nnew\n\n## Baselines\n\n- a\n"
        );
        assert_eq!(section(&new, HEADING), Some("## Scale\n\nnew\n\n"));
        let at_end = with_section("# B\n\n## Baselines\n\n- a\n", HEADING, "## Scale\n\nx");
        assert_eq!(at_end, "# B\n\n## Baselines\n\n- a\n\n## Scale\n\nx\n");
        assert_eq!(section(&at_end, HEADING), Some("## Scale\n\nx\n"));
        // A heading that only starts like it is not it.
        assert_eq!(section("# B\n\n## Scaled\n\ny\n", HEADING), None);
    }
}
