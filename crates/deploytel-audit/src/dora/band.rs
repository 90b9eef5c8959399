//! The performance bands of DORA's Accelerate State of DevOps Report 2023, as edges.
//!
//! The report describes each cluster by its typical answer (deploys "on demand", lead time
//! "between one day and one week", …), not by cut-offs; the edges here are the boundaries
//! between those answers, the same as the Grafana dashboard's colours. docs/DORA.md explains
//! each and cites the report.

use std::fmt;

const HOUR_MS: f64 = 3_600_000.0;
const DAY_MS: f64 = 24.0 * HOUR_MS;

/// A performance band of the 2023 report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Band {
    /// The best cluster.
    Elite,
    /// The second.
    High,
    /// The third.
    Medium,
    /// The last.
    Low,
}

impl Band {
    /// Deploying once a day or more is elite, weekly high, monthly medium.
    pub fn of_deployments_per_day(per_day: f64) -> Band {
        if per_day >= 1.0 {
            Band::Elite
        } else if per_day >= 1.0 / 7.0 {
            Band::High
        } else if per_day >= 1.0 / 30.0 {
            Band::Medium
        } else {
            Band::Low
        }
    }

    /// Under a day is elite, under a week high, under 30 days medium.
    pub fn of_lead_time_ms(ms: f64) -> Band {
        Band::below(ms, [DAY_MS, 7.0 * DAY_MS, 30.0 * DAY_MS])
    }

    /// Under 5 % is elite, under 10 % high, under 15 % medium.
    pub fn of_change_failure_rate(rate: f64) -> Band {
        Band::below(rate, [0.05, 0.10, 0.15])
    }

    /// Under an hour is elite, under a day high, under a week medium.
    pub fn of_restore_ms(ms: f64) -> Band {
        Band::below(ms, [HOUR_MS, DAY_MS, 7.0 * DAY_MS])
    }

    fn below(value: f64, edges: [f64; 3]) -> Band {
        match edges.iter().position(|edge| value < *edge) {
            Some(0) => Band::Elite,
            Some(1) => Band::High,
            Some(2) => Band::Medium,
            _ => Band::Low,
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Band::Elite => "elite",
            Band::High => "high",
            Band::Medium => "medium",
            Band::Low => "low",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_belong_to_the_band_after_them() {
        assert_eq!(Band::of_deployments_per_day(1.0), Band::Elite);
        assert_eq!(Band::of_deployments_per_day(0.5), Band::High);
        assert_eq!(Band::of_deployments_per_day(1.0 / 30.0), Band::Medium);
        assert_eq!(Band::of_deployments_per_day(0.01), Band::Low);
        assert_eq!(Band::of_lead_time_ms(DAY_MS - 1.0), Band::Elite);
        assert_eq!(Band::of_lead_time_ms(DAY_MS), Band::High);
        assert_eq!(Band::of_change_failure_rate(0.05), Band::High);
        assert_eq!(Band::of_change_failure_rate(0.2), Band::Low);
        assert_eq!(Band::of_restore_ms(30.0 * 60_000.0), Band::Elite);
        assert_eq!(Band::of_restore_ms(8.0 * DAY_MS), Band::Low);
    }
}
