//! Summaries of repeated measurements: a figure is the median of its
//! rounds, printed with the smallest and largest round beside it, so that a
//! reader (and `cargo xtask bench`) can tell a result from noise.

use std::fmt;

/// The rounds of one figure, summarised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The median round.
    pub median: f64,
    /// The smallest round.
    pub min: f64,
    /// The largest round.
    pub max: f64,
    /// How many rounds.
    pub rounds: usize,
}

impl Spread {
    /// Summarises `samples`; `None` when there are none or one is not a
    /// finite number (a figure is never printed from nothing).
    pub fn of(samples: &[f64]) -> Option<Spread> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if sorted.len().is_multiple_of(2) {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        } else {
            sorted[mid]
        };
        Some(Spread {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            rounds: sorted.len(),
        })
    }

    /// Each round's `numerator / denominator`, summarised: ratios are taken
    /// per round, where both sides ran back to back.
    pub fn of_ratios(numerators: &[f64], denominators: &[f64]) -> Option<Spread> {
        if numerators.len() != denominators.len() {
            return None;
        }
        let ratios: Vec<f64> = numerators
            .iter()
            .zip(denominators)
            .map(|(n, d)| n / d)
            .collect();
        Spread::of(&ratios)
    }
}

/// The line format [`crate::bench::parse_figures`] reads: `median [min..max] n=rounds`,
/// with `precision` decimals.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub name: &'a str,
    pub spread: Spread,
    pub precision: usize,
}

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Spread {
            median,
            min,
            max,
            rounds,
        } = self.spread;
        let p = self.precision;
        write!(
            f,
            "{}={median:.p$} [{min:.p$}..{max:.p$}] n={rounds}",
            self.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let s = Spread::of(&[4.0, 1.0, 3.0, 2.0]).expect("spread");
        assert_eq!((s.median, s.min, s.max, s.rounds), (2.5, 1.0, 4.0, 4));
    }

    #[test]
    fn no_samples_or_a_non_finite_one_gives_no_figure() {
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[1.0, f64::NAN]), None);
        assert_eq!(Spread::of_ratios(&[1.0], &[0.0]), None);
        assert_eq!(Spread::of_ratios(&[1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn ratios_are_taken_per_round() {
        let s = Spread::of_ratios(&[2.0, 3.0, 8.0], &[1.0, 3.0, 4.0]).expect("spread");
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 2.0));
    }

    #[test]
    fn a_line_carries_median_spread_and_rounds() {
        let spread = Spread::of(&[1.0, 2.0, 3.0]).expect("spread");
        let line = Line {
            name: "x",
            spread,
            precision: 2,
        };
        assert_eq!(line.to_string(), "x=2.00 [1.00..3.00] n=3");
    }
}
