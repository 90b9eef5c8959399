//! Start times of the deployments running now, per (pipeline, environment), for
//! `deploytel_deployment_oldest_active_start_timestamp_seconds`.

use std::sync::{Mutex, PoisonError};

use crate::series_table::SeriesTable;

/// An entry exists only while a deployment of its pair runs, so the table holds at most as
/// many entries as there are concurrent deployments.
#[derive(Default)]
pub(crate) struct ActiveStarts {
    starts: Mutex<SeriesTable<Vec<f64>>>,
}

impl ActiveStarts {
    /// Adds a start and returns the oldest start of the pair.
    pub(crate) fn add(&self, pair: &[&str], start: f64) -> f64 {
        let mut table = self.starts.lock().unwrap_or_else(PoisonError::into_inner);
        let starts = table.get_or_insert_with(pair, Vec::new);
        starts.push(start);
        oldest(starts)
    }

    /// Removes a start and returns the oldest start left, 0 when none is.
    pub(crate) fn remove(&self, pair: &[&str], start: f64) -> f64 {
        let mut table = self.starts.lock().unwrap_or_else(PoisonError::into_inner);
        let starts = table.get_or_insert_with(pair, Vec::new);
        if let Some(index) = starts.iter().position(|s| *s == start) {
            starts.swap_remove(index);
        }
        if starts.is_empty() {
            table.remove(pair);
            return 0.0;
        }
        oldest(starts)
    }
}

fn oldest(starts: &[f64]) -> f64 {
    starts.iter().copied().fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_start_is_kept_until_its_deployment_ends() {
        let active = ActiveStarts::default();
        assert_eq!(active.add(&["billing", "prod"], 100.0), 100.0);
        assert_eq!(active.add(&["billing", "prod"], 200.0), 100.0);
        assert_eq!(active.add(&["billing", "staging"], 50.0), 50.0);
        assert_eq!(active.remove(&["billing", "prod"], 100.0), 200.0);
        assert_eq!(active.remove(&["billing", "prod"], 200.0), 0.0);
        assert_eq!(active.remove(&["billing", "staging"], 50.0), 0.0);
    }
}
