//! The traffic a function receives: an average and a peak rate, or a time series.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One point of a traffic time series: from `t_s` on, requests arrive at `rps`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrafficPoint {
    /// Start of the interval, in seconds from any origin (ascending).
    pub t_s: f64,
    /// Requests per second during the interval.
    pub rps: f64,
}

/// The traffic a function receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Traffic {
    /// Only the average and peak request rates are known.
    Rates {
        /// Average requests per second over the month.
        average_rps: f64,
        /// Peak requests per second.
        peak_rps: f64,
    },
    /// A time series; each point's rate holds until the next point, and the last point holds
    /// as long as the interval before it (1 s for a single point).
    Series(Vec<TrafficPoint>),
}

impl Traffic {
    /// `(rate, weight in seconds)` intervals of the series.
    pub(super) fn intervals(points: &[TrafficPoint]) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = points
            .windows(2)
            .map(|w| (w[0].rps, w[1].t_s - w[0].t_s))
            .collect();
        let last_weight = out.last().map_or(1.0, |&(_, w)| w);
        if let Some(last) = points.last() {
            out.push((last.rps, last_weight));
        }
        out
    }

    pub(super) fn validate(&self) -> Result<()> {
        let bad = |name: &str, value: String, expected: &str| {
            Err(Error::InvalidOption {
                name: name.to_owned(),
                value,
                expected: expected.to_owned(),
            })
        };
        match self {
            Traffic::Rates {
                average_rps,
                peak_rps,
            } => {
                if !(average_rps.is_finite() && *average_rps >= 0.0) {
                    return bad(
                        "average_rps",
                        average_rps.to_string(),
                        "a non-negative number",
                    );
                }
                if !(peak_rps.is_finite() && peak_rps >= average_rps) {
                    return bad(
                        "peak_rps",
                        peak_rps.to_string(),
                        "a finite number at least the average rate",
                    );
                }
            }
            Traffic::Series(points) => {
                if points.is_empty() {
                    return bad("traffic series", "[]".to_owned(), "at least one point");
                }
                if let Some(p) = points
                    .iter()
                    .find(|p| !(p.rps.is_finite() && p.rps >= 0.0 && p.t_s.is_finite()))
                {
                    return bad(
                        "traffic point",
                        format!("t = {} s, {} req/s", p.t_s, p.rps),
                        "finite times and non-negative rates",
                    );
                }
                if points.windows(2).any(|w| w[1].t_s <= w[0].t_s) {
                    return bad(
                        "traffic series",
                        "times not strictly ascending".to_owned(),
                        "points sorted by strictly increasing t_s",
                    );
                }
            }
        }
        Ok(())
    }

    /// Time-weighted average rate, in requests per second.
    pub fn average_rps(&self) -> f64 {
        match self {
            Traffic::Rates { average_rps, .. } => *average_rps,
            Traffic::Series(points) => {
                let iv = Self::intervals(points);
                let total: f64 = iv.iter().map(|(_, w)| w).sum();
                if total > 0.0 {
                    iv.iter().map(|(r, w)| r * w).sum::<f64>() / total
                } else {
                    0.0
                }
            }
        }
    }

    /// Peak rate, in requests per second.
    pub fn peak_rps(&self) -> f64 {
        match self {
            Traffic::Rates { peak_rps, .. } => *peak_rps,
            Traffic::Series(points) => points.iter().map(|p| p.rps).fold(0.0, f64::max),
        }
    }
}
