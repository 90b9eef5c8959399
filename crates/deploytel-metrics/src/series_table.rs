//! A map from a tuple of label values to a series, looked up without allocating.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

/// The label values of one series, as given (before they are made safe for Prometheus).
type Key = Box<[Box<str>]>;

/// Series of one family keyed by their label values. The key is the tuple itself, never a
/// joined string, so `("a|b", "c")` and `("a", "b|c")` stay two entries.
pub(crate) struct SeriesTable<V> {
    hasher: RandomState,
    buckets: HashMap<u64, Vec<(Key, V)>>,
    len: usize,
}

impl<V> SeriesTable<V> {
    pub(crate) fn new() -> Self {
        SeriesTable {
            hasher: RandomState::new(),
            buckets: HashMap::new(),
            len: 0,
        }
    }

    /// Number of distinct tuples held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn get(&self, values: &[&str]) -> Option<&V> {
        let bucket = self.buckets.get(&self.hasher.hash_one(values))?;
        bucket
            .iter()
            .find(|(key, _)| same_tuple(key, values))
            .map(|(_, value)| value)
    }

    /// Adds `value` under `values`; the caller has checked that the tuple is absent.
    pub(crate) fn insert(&mut self, values: &[&str], value: V) {
        let key = values.iter().map(|v| Box::from(*v)).collect();
        self.buckets
            .entry(self.hasher.hash_one(values))
            .or_default()
            .push((key, value));
        self.len += 1;
    }
}

impl<V> Default for SeriesTable<V> {
    fn default() -> Self {
        SeriesTable::new()
    }
}

impl<V> SeriesTable<V> {
    /// The entry for `values`, created with `make` when absent.
    pub(crate) fn get_or_insert_with(
        &mut self,
        values: &[&str],
        make: impl FnOnce() -> V,
    ) -> &mut V {
        let hash = self.hasher.hash_one(values);
        let bucket = self.buckets.entry(hash).or_default();
        let index = match bucket.iter().position(|(key, _)| same_tuple(key, values)) {
            Some(index) => index,
            None => {
                bucket.push((values.iter().map(|v| Box::from(*v)).collect(), make()));
                self.len += 1;
                bucket.len() - 1
            }
        };
        &mut bucket[index].1
    }

    /// Removes the entry for `values`, if any.
    pub(crate) fn remove(&mut self, values: &[&str]) {
        let hash = self.hasher.hash_one(values);
        if let Some(bucket) = self.buckets.get_mut(&hash) {
            let before = bucket.len();
            bucket.retain(|(key, _)| !same_tuple(key, values));
            self.len -= before - bucket.len();
            if bucket.is_empty() {
                self.buckets.remove(&hash);
            }
        }
    }
}

fn same_tuple(key: &[Box<str>], values: &[&str]) -> bool {
    key.len() == values.len() && key.iter().zip(values).all(|(k, v)| **k == **v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_are_not_joined() {
        let mut table = SeriesTable::new();
        table.insert(&["a|b", "c"], 1);
        table.insert(&["a", "b|c"], 2);
        assert_eq!(table.get(&["a|b", "c"]), Some(&1));
        assert_eq!(table.get(&["a", "b|c"]), Some(&2));
        assert_eq!(table.get(&["a", "b", "c"]), None);
        assert_eq!(table.len(), 2);
    }
}
