//! Which held failures stopped their host, and which were ignored or rescued.
//!
//! The callbacks report every failure alike; the closing stats count, per host, the failures
//! that stopped it, those ignored (`ignore_errors`) and those rescued (`rescue:`). A host stops
//! at its last failure, so that one (or, with the stats' count, the last few) stopped it and
//! the earlier ones were recovered from. When a host has both ignored and rescued failures the
//! stats do not say which was which; the earlier are taken as ignored.

use std::collections::BTreeMap;

use crate::host_result::{HostResult, HostStats};

use super::HeldFailure;

/// Each held failure with its final result, in the order they were read.
pub(super) fn settle_failures(
    held: Vec<HeldFailure>,
    stats: Option<&BTreeMap<String, HostStats>>,
) -> Vec<(HeldFailure, HostResult)> {
    let mut remaining: BTreeMap<String, usize> = BTreeMap::new();
    for failure in &held {
        *remaining.entry(failure.reported.host.clone()).or_default() += 1;
    }
    let mut recovered: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    held.into_iter()
        .map(|failure| {
            let host = failure.reported.host.clone();
            let left = remaining.get_mut(&host).map_or(0, |n| {
                *n -= 1;
                *n
            });
            let Some(host_stats) = stats.and_then(|s| s.get(&host)) else {
                return (failure, HostResult::Failed);
            };
            // The last `failures` of the host's failures stopped it.
            if (left as u64) < host_stats.failures {
                return (failure, HostResult::Failed);
            }
            let (ignored, rescued) = recovered.entry(host).or_default();
            let result = if *ignored < host_stats.ignored {
                *ignored += 1;
                HostResult::Ignored
            } else if *rescued < host_stats.rescued {
                *rescued += 1;
                HostResult::Rescued
            } else {
                HostResult::Failed
            };
            (failure, result)
        })
        .collect()
}
