//! What an update means for the version number and the changelog. A
//! breaking change to the generated types needs a new minor version while
//! the crates are 0.x (a new major one from 1.0), a compatible change a
//! patch, and a change the fix-ups absorbed none. `kie-suno-sdk` and
//! `kie-suno` (which re-exports the generated types) share the workspace's
//! version, so both take the bump.
//!
//! When an update is written, its changes go into `CHANGELOG.md`, in the
//! [Keep a Changelog](https://keepachangelog.com/en/1.1.0/) form: under
//! `## [Unreleased]`, as Added, Removed or Changed, breaking ones marked.

use std::fmt;

use crate::changes::{Change, Impact};

/// A version number, `MAJOR.MINOR.PATCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// `text` as a version, if it is one (pre-releases are not).
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
        let version = Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }

    /// The version after this one with `bump`.
    pub fn after(self, bump: Bump) -> Version {
        let Version {
            major,
            minor,
            patch,
        } = self;
        match bump {
            Bump::None => self,
            Bump::Patch => Version {
                patch: patch + 1,
                ..self
            },
            // Before 1.0, a minor version is what breaks.
            Bump::Breaking if major == 0 => Version {
                minor: minor + 1,
                patch: 0,
                ..self
            },
            Bump::Breaking => Version {
                major: major + 1,
                minor: 0,
                patch: 0,
            },
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// What a set of changes asks of the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Users of the crates see nothing new.
    None,
    /// Compatible changes only.
    Patch,
    /// Code written against the generated types may stop compiling.
    Breaking,
}

/// The release an update needs: the bump, and the versions when the
/// current one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub bump: Bump,
    pub from: Option<Version>,
    /// Changes users see, by impact: (breaking, compatible).
    pub counts: (usize, usize),
}

impl Release {
    /// The release `changes` need, from `current`.
    pub fn of(changes: &[Change], current: Option<Version>) -> Release {
        let seen = changes.iter().filter(|c| !c.absorbed);
        let breaking = seen
            .clone()
            .filter(|c| c.impact == Impact::Breaking)
            .count();
        let compatible = seen.count() - breaking;
        let bump = match (breaking, compatible) {
            (0, 0) => Bump::None,
            (0, _) => Bump::Patch,
            _ => Bump::Breaking,
        };
        Release {
            bump,
            from: current,
            counts: (breaking, compatible),
        }
    }

    /// The version to release, when the current one is known.
    pub fn to(&self) -> Option<Version> {
        self.from.map(|v| v.after(self.bump))
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (breaking, compatible) = self.counts;
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let kind = match (self.bump, self.from) {
            (Bump::None, _) => {
                return write!(
                    f,
                    "version: no release needed (nothing users of the crates see changed)"
                );
            }
            (Bump::Patch, _) => "a patch release",
            (Bump::Breaking, Some(v)) if v.major == 0 => "a minor release (breaking, while 0.x)",
            (Bump::Breaking, Some(_)) => "a major release (breaking)",
            (Bump::Breaking, None) => "a breaking release (minor while 0.x, major from 1.0)",
        };
        write!(f, "version: kie-suno-sdk and kie-suno need {kind}")?;
        if let (Some(from), Some(to)) = (self.from, self.to()) {
            write!(f, ", {from} -> {to}")?;
        }
        write!(
            f,
            ": {breaking} breaking change{}, {compatible} compatible change{} to the generated types",
            plural(breaking),
            plural(compatible)
        )
    }
}

/// The workspace's version, from the root `Cargo.toml`'s
/// `[workspace.package]` table.
pub fn workspace_version(manifest: &str) -> Option<Version> {
    let mut in_table = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_table = line == "[workspace.package]";
        } else if in_table && let Some(value) = line.strip_prefix("version") {
            let value = value.trim_start().strip_prefix('=')?.trim();
            return Version::parse(value.trim_matches('"'));
        }
    }
    None
}

/// The section of the changelog a change goes under.
fn section(change: &Change) -> &'static str {
    if change.what.contains("added") {
        "Added"
    } else if change.what.contains("removed") {
        "Removed"
    } else {
        "Changed"
    }
}

/// One changelog line for `change`.
fn line(change: &Change) -> String {
    let breaking = if change.impact == Impact::Breaking {
        "**Breaking:** "
    } else {
        ""
    };
    format!("- {breaking}`{}`: {}", change.location, change.what)
}

const HEADER: &str = "# Changelog\n\nEvery change users of `kie-suno` and `kie-suno-sdk` see, in the \
[Keep a Changelog](https://keepachangelog.com/en/1.1.0/) form; versions follow \
[Semantic Versioning](https://semver.org/) (before 1.0, a breaking change takes a new \
minor version).\n";

const UNRELEASED: &str = "## [Unreleased]";

/// `changelog` (empty: none yet) with the changes users see added under
/// `## [Unreleased]`, each in its section, after what is there already.
pub fn add_to_changelog(changelog: &str, changes: &[Change]) -> String {
    let mut lines: Vec<String> = if changelog.trim().is_empty() {
        HEADER.lines().map(str::to_owned).collect()
    } else {
        changelog.lines().map(str::to_owned).collect()
    };
    if !lines.iter().any(|l| l == UNRELEASED) {
        // Right after the header: before the first release's section.
        let at = lines
            .iter()
            .position(|l| l.starts_with("## "))
            .unwrap_or(lines.len());
        lines.splice(at..at, [String::new(), UNRELEASED.to_owned()]);
    }
    for change in changes.iter().filter(|c| !c.absorbed) {
        let start = lines.iter().position(|l| l == UNRELEASED).unwrap_or(0);
        let end = lines[start + 1..]
            .iter()
            .position(|l| l.starts_with("## "))
            .map_or(lines.len(), |i| start + 1 + i);
        let heading = format!("### {}", section(change));
        let at = match lines[start..end].iter().position(|l| *l == heading) {
            Some(i) => {
                // After the section's last item.
                let first = start + i + 1;
                let mut at = first;
                while at < end
                    && (lines[at].starts_with("- ") || lines[at].is_empty() && at == first)
                {
                    at += 1;
                }
                at
            }
            None => {
                lines.splice(end..end, [String::new(), heading]);
                end + 2
            }
        };
        lines.insert(at, line(change));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(what: &str, impact: Impact, absorbed: bool) -> Change {
        Change {
            location: "GET /api/v1/generate/record-info 200 $.data.x".to_owned(),
            what: what.to_owned(),
            impact,
            absorbed,
            absorbed_by: Vec::new(),
        }
    }

    fn v(text: &str) -> Version {
        Version::parse(text).expect("a version")
    }

    #[test]
    fn breaking_takes_a_minor_version_before_1_0_and_a_major_after() {
        let breaking = [change("field removed", Impact::Breaking, false)];
        let release = Release::of(&breaking, Some(v("0.1.3")));
        assert_eq!(release.to(), Some(v("0.2.0")));
        assert!(
            release
                .to_string()
                .contains("minor release (breaking, while 0.x), 0.1.3 -> 0.2.0")
        );
        assert_eq!(
            Release::of(&breaking, Some(v("1.4.2"))).to(),
            Some(v("2.0.0"))
        );
    }

    #[test]
    fn compatible_takes_a_patch_and_absorbed_takes_nothing() {
        let compatible = [change("optional field added", Impact::Compatible, false)];
        assert_eq!(
            Release::of(&compatible, Some(v("0.1.0"))).to(),
            Some(v("0.1.1"))
        );
        let absorbed = [change("enum value added", Impact::Breaking, true)];
        let release = Release::of(&absorbed, Some(v("0.1.0")));
        assert_eq!(release.bump, Bump::None);
        assert!(
            release.to_string().contains("no release needed"),
            "{release}"
        );
    }

    #[test]
    fn the_version_is_read_from_the_workspace_table_only() {
        let manifest = "[package]\nversion = \"9.9.9\"\n\n[workspace.package]\nedition = \"2024\"\nversion = \"0.1.0\"\n";
        assert_eq!(workspace_version(manifest), Some(v("0.1.0")));
        assert_eq!(workspace_version("[package]\nversion = \"1.0.0\"\n"), None);
        assert_eq!(Version::parse("1.0.0-rc.1"), None);
        assert_eq!(Version::parse("1.0"), None);
    }

    #[test]
    fn changes_are_added_under_unreleased_each_in_its_section() {
        let first = add_to_changelog(
            "",
            &[
                change("field removed", Impact::Breaking, false),
                change("enum value added", Impact::Compatible, true),
            ],
        );
        assert!(first.starts_with("# Changelog\n"), "{first}");
        assert!(
            first.contains(
                "## [Unreleased]\n\n### Removed\n- **Breaking:** `GET /api/v1/generate/record-info 200 $.data.x`: field removed\n"
            ),
            "{first}"
        );
        assert!(!first.contains("enum value added"), "absorbed: {first}");

        let released = first.replace(
            "## [Unreleased]",
            "## [Unreleased]\n\n## [0.1.0] - 2026-11-01",
        );
        let second = add_to_changelog(
            &released,
            &[
                change("optional field added", Impact::Compatible, false),
                change("required field added", Impact::Breaking, false),
            ],
        );
        let unreleased = &second[second.find("## [Unreleased]").expect("kept")
            ..second.find("## [0.1.0]").expect("kept")];
        assert!(
            unreleased.contains("### Added\n- `GET /api/v1/generate/record-info 200 $.data.x`: optional field added\n- **Breaking:**"),
            "{second}"
        );
        assert!(
            second.contains("### Removed\n- **Breaking:**"),
            "the earlier entry stays: {second}"
        );
        assert_eq!(second.matches("## [Unreleased]").count(), 1, "{second}");
    }
}
