//! The `cost`, `speed` and `balanced` strategies of aws-lambda-power-tuning, the Pareto frontier
//! over (cost, time), and recommendations that say when the data cannot tell configurations
//! apart.
//!
//! The three strategies follow `findCheapest`, `findFastest` and `findBalanced` in
//! aws-lambda-power-tuning's `lambda/analyzer.js`, including its tie-breaking:
//!
//! - `cost`: lowest average cost; equal cost goes to the faster; a full tie to the first
//!   candidate in input order (JavaScript's `Array.prototype.sort` is stable).
//! - `speed`: lowest average duration; equal duration goes to the cheaper; then input order.
//! - `balanced`: lowest `w * cost / max(cost) + (1 - w) * duration / max(duration)`, where
//!   `w = balancedWeight` clamped to `[0, 1]` (0 = fastest, 1 = cheapest; NaN counts as the
//!   default 0.5); ties to input order.
//!
//! Like the original's `extractStatistics`, candidates whose average duration is 0 or not a
//! finite number are ignored (an executor that measured nothing). One degenerate difference:
//! if every candidate's cost (or duration) is 0 the original divides 0 by 0 and keeps input
//! order; here that term counts as 0, so the other term decides.
//!
//! ```
//! use analyzer::strategy::{Candidate, pick};
//! use analyzer::result::{ConfigKey, Strategy};
//! use analyzer::units::{Architecture, MemoryMb};
//! let key = |mb| ConfigKey { memory_mb: MemoryMb::try_from(mb).unwrap(), architecture: Architecture::Arm64 };
//! let candidates = [
//!     Candidate::new(key(128), 0.000002, 800.0),
//!     Candidate::new(key(1024), 0.000004, 120.0),
//! ];
//! assert_eq!(pick(Strategy::Cost, &candidates, 0.5), Some(0));
//! assert_eq!(pick(Strategy::Speed, &candidates, 0.5), Some(1));
//! ```

use std::cmp::Ordering;

use crate::result::{ConfigKey, Recommendation, Strategy};
use crate::stats::ConfidenceInterval;

/// Default `balancedWeight` of aws-lambda-power-tuning.
pub const DEFAULT_BALANCED_WEIGHT: f64 = 0.5;

/// One configuration as the strategies see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The configuration.
    pub key: ConfigKey,
    /// Average cost of one invocation, USD.
    pub cost_usd: f64,
    /// Average duration, ms.
    pub duration_ms: f64,
    /// Confidence interval of the average cost, USD, when known.
    pub cost_ci: Option<ConfidenceInterval>,
    /// Confidence interval of the average duration, ms, when known.
    pub duration_ci: Option<ConfidenceInterval>,
}

impl Candidate {
    /// A candidate without confidence intervals.
    pub fn new(key: ConfigKey, cost_usd: f64, duration_ms: f64) -> Self {
        Self {
            key,
            cost_usd,
            duration_ms,
            cost_ci: None,
            duration_ci: None,
        }
    }

    fn is_usable(&self) -> bool {
        // extractStatistics keeps `stat && stat.averageDuration`: 0 and NaN are dropped.
        self.duration_ms.is_finite() && self.duration_ms != 0.0 && self.cost_usd.is_finite()
    }
}

/// `balancedWeight` as aws-lambda-power-tuning's `getBalancedWeight` reads it: clamped to
/// `[0, 1]`; NaN becomes the default 0.5.
pub fn clamp_balanced_weight(weight: f64) -> f64 {
    if weight.is_nan() {
        DEFAULT_BALANCED_WEIGHT
    } else {
        weight.clamp(0.0, 1.0)
    }
}

/// Index of the first candidate that no later one beats under `better`, skipping unusable
/// candidates: the head of a stable sort by `better`.
fn first_best(
    candidates: &[Candidate],
    mut compare: impl FnMut(&Candidate, &Candidate) -> Ordering,
) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, c) in candidates.iter().enumerate() {
        if !c.is_usable() {
            continue;
        }
        match best {
            Some(b) if compare(c, &candidates[b]) != Ordering::Less => {}
            _ => best = Some(i),
        }
    }
    best
}

fn by(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}

/// `findCheapest`: the index of the cheapest usable candidate (faster wins equal cost).
pub fn cheapest(candidates: &[Candidate]) -> Option<usize> {
    first_best(candidates, |a, b| {
        by(a.cost_usd, b.cost_usd).then(by(a.duration_ms, b.duration_ms))
    })
}

/// `findFastest`: the index of the fastest usable candidate (cheaper wins equal duration).
pub fn fastest(candidates: &[Candidate]) -> Option<usize> {
    first_best(candidates, |a, b| {
        by(a.duration_ms, b.duration_ms).then(by(a.cost_usd, b.cost_usd))
    })
}

/// The maxima `findBalanced` normalizes by, over usable candidates: `(max cost, max duration)`.
pub fn balanced_maxima(candidates: &[Candidate]) -> (f64, f64) {
    candidates
        .iter()
        .filter(|c| c.is_usable())
        .fold((f64::NEG_INFINITY, f64::NEG_INFINITY), |(mc, md), c| {
            (mc.max(c.cost_usd), md.max(c.duration_ms))
        })
}

/// `findBalanced`'s value of one configuration (lower is better):
/// `w * cost / max_cost + (1 - w) * duration / max_duration`, evaluated in the original's
/// order of operations so that results agree to the last bit. A zero maximum makes its term 0.
pub fn balanced_score(
    cost_usd: f64,
    duration_ms: f64,
    max_cost_usd: f64,
    max_duration_ms: f64,
    weight: f64,
) -> f64 {
    let w = clamp_balanced_weight(weight);
    let cost_term = if max_cost_usd > 0.0 {
        w * cost_usd / max_cost_usd
    } else {
        0.0
    };
    let duration_term = if max_duration_ms > 0.0 {
        (1.0 - w) * duration_ms / max_duration_ms
    } else {
        0.0
    };
    cost_term + duration_term
}

/// `findBalanced`: the index of the usable candidate with the lowest [`balanced_score`].
pub fn balanced(candidates: &[Candidate], weight: f64) -> Option<usize> {
    let (max_cost, max_duration) = balanced_maxima(candidates);
    first_best(candidates, |a, b| {
        by(
            balanced_score(a.cost_usd, a.duration_ms, max_cost, max_duration, weight),
            balanced_score(b.cost_usd, b.duration_ms, max_cost, max_duration, weight),
        )
    })
}

/// The index `strategy` picks, or `None` when no candidate is usable.
pub fn pick(strategy: Strategy, candidates: &[Candidate], balanced_weight: f64) -> Option<usize> {
    match strategy {
        Strategy::Cost => cheapest(candidates),
        Strategy::Speed => fastest(candidates),
        Strategy::Balanced => balanced(candidates, balanced_weight),
    }
}

/// Indices of the usable candidates no other usable candidate dominates (at most as costly
/// and at most as slow, and strictly better in one), sorted by duration (fastest first), then
/// cost. Candidates with identical figures are all kept.
pub fn pareto_frontier(candidates: &[Candidate]) -> Vec<usize> {
    let usable: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].is_usable())
        .collect();
    let mut frontier: Vec<usize> = usable
        .iter()
        .copied()
        .filter(|&i| {
            let c = &candidates[i];
            !usable.iter().any(|&j| {
                let o = &candidates[j];
                o.cost_usd <= c.cost_usd
                    && o.duration_ms <= c.duration_ms
                    && (o.cost_usd < c.cost_usd || o.duration_ms < c.duration_ms)
            })
        })
        .collect();
    frontier.sort_by(|&a, &b| {
        let (a, b) = (&candidates[a], &candidates[b]);
        by(a.duration_ms, b.duration_ms).then(by(a.cost_usd, b.cost_usd))
    });
    frontier
}

/// The interval of `candidate` on `strategy`'s metric, when its intervals are known. For
/// `balanced` it is the score of the lower bounds to the score of the upper bounds: a
/// conservative (wide) interval, since the score grows with both cost and duration.
fn metric_interval(
    strategy: Strategy,
    candidate: &Candidate,
    maxima: (f64, f64),
    weight: f64,
) -> Option<(f64, f64)> {
    match strategy {
        Strategy::Cost => candidate.cost_ci.map(|ci| (ci.lower, ci.upper)),
        Strategy::Speed => candidate.duration_ci.map(|ci| (ci.lower, ci.upper)),
        Strategy::Balanced => {
            let (cost, duration) = (candidate.cost_ci?, candidate.duration_ci?);
            let score = |c, d| balanced_score(c, d, maxima.0, maxima.1, weight);
            Some((
                score(cost.lower, duration.lower),
                score(cost.upper, duration.upper),
            ))
        }
    }
}

/// Configurations whose interval on `strategy`'s metric overlaps that of `candidates[chosen]`:
/// the data do not show them to differ from the pick. Empty when the pick has no interval.
pub fn indistinguishable_from(
    strategy: Strategy,
    candidates: &[Candidate],
    chosen: usize,
    balanced_weight: f64,
) -> Vec<ConfigKey> {
    let maxima = balanced_maxima(candidates);
    let Some(pick) = candidates
        .get(chosen)
        .and_then(|c| metric_interval(strategy, c, maxima, balanced_weight))
    else {
        return Vec::new();
    };
    candidates
        .iter()
        .enumerate()
        .filter(|&(i, c)| i != chosen && c.is_usable())
        .filter_map(|(_, c)| {
            let (lo, hi) = metric_interval(strategy, c, maxima, balanced_weight)?;
            (lo <= pick.1 && pick.0 <= hi).then_some(c.key)
        })
        .collect()
}

fn describe(key: &ConfigKey) -> String {
    format!("{} MB on {}", key.memory_mb.get(), key.architecture)
}

fn list(keys: &[ConfigKey]) -> String {
    let names: Vec<String> = keys.iter().map(describe).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `strategy`'s recommendation over `candidates`: the pick, the configurations it cannot be
/// told apart from, and one honest sentence. `None` when no candidate is usable.
pub fn recommend(
    strategy: Strategy,
    candidates: &[Candidate],
    balanced_weight: f64,
) -> Option<Recommendation> {
    let chosen = pick(strategy, candidates, balanced_weight)?;
    let c = &candidates[chosen];
    let indistinguishable = indistinguishable_from(strategy, candidates, chosen, balanced_weight);
    let figures = format!(
        "{:.4} USD per million invocations, {:.1} ms on average",
        c.cost_usd * 1e6,
        c.duration_ms
    );
    let what = match strategy {
        Strategy::Cost => "is the cheapest".to_owned(),
        Strategy::Speed => "is the fastest".to_owned(),
        Strategy::Balanced => format!(
            "has the best balance of cost and speed (balancedWeight {})",
            clamp_balanced_weight(balanced_weight)
        ),
    };
    let metric = match strategy {
        Strategy::Cost => "cost",
        Strategy::Speed => "duration",
        Strategy::Balanced => "the balanced score",
    };
    let has_interval =
        metric_interval(strategy, c, balanced_maxima(candidates), balanced_weight).is_some();
    let verdict = if !has_interval {
        " There is no confidence interval to judge how significant the difference is.".to_owned()
    } else if indistinguishable.is_empty() {
        format!(
            " Its confidence interval on {metric} overlaps no other configuration's: the \
             difference is significant."
        )
    } else {
        format!(
            " But its confidence interval on {metric} overlaps that of {}: the measurements \
             cannot tell these apart, so on {metric} any of them is as good a choice.",
            list(&indistinguishable)
        )
    };
    Some(Recommendation {
        strategy,
        key: c.key,
        mean_cost_usd: c.cost_usd,
        mean_duration_ms: c.duration_ms,
        indistinguishable_from: indistinguishable,
        explanation: format!("{} {what} ({figures}).{verdict}", describe(&c.key)),
    })
}
