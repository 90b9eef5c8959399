//! A map from a tuple of label values to a series, looked up without allocating.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::label::{fnv1a_extend, FNV_OFFSET};

/// The label values of one series, as given (before they are made safe for Prometheus).
type Key = Box<[Box<str>]>;

/// Series of one family keyed by their label values. The key is the tuple itself, never a
/// joined string, so `("a|b", "c")` and `("a", "b|c")` stay two entries; the hash only picks
/// the bucket, so colliding tuples share a bucket and stay apart.
pub(crate) struct SeriesTable<V> {
    buckets: HashMap<u64, Vec<(Key, V)>, BuildHasherDefault<AlreadyHashed>>,
    len: usize,
}

impl<V> Default for SeriesTable<V> {
    fn default() -> Self {
        SeriesTable {
            buckets: HashMap::default(),
            len: 0,
        }
    }
}

impl<V> SeriesTable<V> {
    /// Number of distinct tuples held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    // hot: every lookup of a series by its labels
    pub(crate) fn get(&self, values: &[&str]) -> Option<&V> {
        let bucket = self.buckets.get(&tuple_hash(values))?;
        bucket
            .iter()
            .find(|(key, _)| same_tuple(key, values))
            .map(|(_, value)| value)
    }

    /// Every value held, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.buckets.values().flatten().map(|(_, value)| value)
    }

    /// Adds `value` under `values`; the caller has checked that the tuple is absent.
    pub(crate) fn insert(&mut self, values: &[&str], value: V) {
        let key = values.iter().map(|v| Box::from(*v)).collect();
        self.buckets
            .entry(tuple_hash(values))
            .or_default()
            .push((key, value));
        self.len += 1;
    }
}

fn same_tuple(key: &[Box<str>], values: &[&str]) -> bool {
    key.len() == values.len() && key.iter().zip(values).all(|(k, v)| **k == **v)
}

/// FNV-1a over each value and its length, as the `prometheus` crate hashes label values: short
/// label text hashes several times faster than with SipHash.
fn tuple_hash(values: &[&str]) -> u64 {
    values.iter().fold(FNV_OFFSET, |hash, value| {
        fnv1a_extend(
            hash,
            value.bytes().chain((value.len() as u64).to_le_bytes()),
        )
    })
}

/// The map's keys are hashes already; hashing them again would only cost time.
#[derive(Default)]
struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_are_not_joined() {
        let mut table = SeriesTable::default();
        table.insert(&["a|b", "c"], 1);
        table.insert(&["a", "b|c"], 2);
        table.insert(&["ab", ""], 3);
        table.insert(&["a", "b"], 4);
        assert_eq!(table.get(&["a|b", "c"]), Some(&1));
        assert_eq!(table.get(&["a", "b|c"]), Some(&2));
        assert_eq!(table.get(&["ab", ""]), Some(&3));
        assert_eq!(table.get(&["a", "b"]), Some(&4));
        assert_eq!(table.get(&["a", "b", "c"]), None);
        assert_eq!(table.len(), 4);
    }
}
