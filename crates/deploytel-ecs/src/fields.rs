//! Field values serialised to JSON once, when they are recorded.
//!
//! A span's fields are rendered into a [`FieldBuf`] when the span is created or recorded, and
//! every event inside the span copies those bytes as they are: nothing is re-parsed or
//! re-formatted per event.

use crate::name_facts::{KeyFacts, Naming};

/// A field whose value sits in `FieldBuf::values[start..end]` as JSON. Kept to one cache line:
/// a span's entries are copied into every line written inside it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    /// The name the field is written under, before sanitising: its facts' `name`.
    pub(crate) key: &'static str,
    /// The field's name as the program wrote it.
    pub(crate) source: &'static str,
    /// What naming the line needs to know of `key`.
    pub(crate) naming: Naming,
    /// One of the `error.*` fields derived from an error value: they are replaced together.
    pub(crate) from_error: bool,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Entry {
    /// Whether the field is written under its ECS name instead of its own.
    pub(crate) fn translated(&self) -> bool {
        !std::ptr::eq(self.key, self.source)
    }
}

/// Fields with their values already rendered as JSON.
#[derive(Debug, Default)]
pub(crate) struct FieldBuf {
    values: Vec<u8>,
    entries: Vec<Entry>,
}

impl FieldBuf {
    pub(crate) const fn new() -> Self {
        FieldBuf {
            values: Vec::new(),
            entries: Vec::new(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.values.clear();
        self.entries.clear();
    }

    /// Bytes held, so that a pool can refuse buffers grown unusually large.
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.values.capacity() + self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub(crate) fn value(&self, entry: &Entry) -> &[u8] {
        &self.values[entry.start..entry.end]
    }

    pub(crate) fn has_key(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    #[cfg(test)]
    pub(crate) fn push_json(&mut self, key: &'static str, facts: KeyFacts, value: &str) {
        self.push(key, &facts, false, |out| {
            out.extend_from_slice(value.as_bytes())
        });
    }

    /// Appends field `source`, written under `facts.name`.
    pub(crate) fn push(
        &mut self,
        source: &'static str,
        facts: &KeyFacts,
        from_error: bool,
        render: impl FnOnce(&mut Vec<u8>),
    ) {
        let start = self.values.len();
        render(&mut self.values);
        self.entries.push(Entry {
            key: facts.name,
            source,
            naming: facts.naming(),
            from_error,
            start,
            end: self.values.len(),
        });
    }

    pub(crate) fn pop(&mut self) -> Option<Entry> {
        self.entries.pop()
    }

    /// Moves the entry named `key` to the name and facts of `facts`.
    pub(crate) fn rekey(&mut self, key: &str, facts: KeyFacts) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.key == key) {
            entry.key = facts.name;
            entry.naming = facts.naming();
        }
    }

    /// Drops the entries `drop` picks; their value bytes stay unused until the next clear.
    pub(crate) fn remove_where(&mut self, drop: impl FnMut(&Entry) -> bool) {
        let mut drop = drop;
        self.entries.retain(|entry| !drop(entry));
    }

    /// Appends every field of `other`, after the ones already here.
    // hot: once per enclosing span per event
    pub(crate) fn extend_from(&mut self, other: &FieldBuf) {
        let offset = self.values.len();
        self.values.extend_from_slice(&other.values);
        self.entries.extend(other.entries.iter().map(|e| Entry {
            start: e.start + offset,
            end: e.end + offset,
            ..*e
        }));
    }

    /// Takes the values in `update`, replacing fields of the same name as `Span::record` does;
    /// an error value in `update` replaces every `error.*` field the previous one left.
    /// `spare` is scratch space, left holding the old contents.
    pub(crate) fn merge(&mut self, update: &FieldBuf, spare: &mut FieldBuf) {
        let new_error = update.entries.iter().any(|e| e.from_error);
        spare.clear();
        for entry in &self.entries {
            if update.has_key(entry.key) || (new_error && entry.from_error) {
                continue;
            }
            let start = spare.values.len();
            spare
                .values
                .extend_from_slice(&self.values[entry.start..entry.end]);
            spare.entries.push(Entry {
                start,
                end: spare.values.len(),
                ..*entry
            });
        }
        spare.extend_from(update);
        std::mem::swap(self, spare);
    }
}
