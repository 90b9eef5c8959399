//! The name each user field is finally written under in a line.
//!
//! Elasticsearch expands dotted keys into objects, so a document is rejected when one name is
//! used both as a value and as an object: `host: "web-01"` under the ECS mapping, where `host`
//! is an object, or `a` next to `a.b` in the same line. The layer's own keys must not be
//! overwritten either. [`ReservedKeys`] knows the names the layer writes, Elasticsearch's
//! metadata names and the ECS field table; [`UserFields::resolve`] gives every user field a
//! name that conflicts with none of them.

use crate::fields::FieldBuf;
use crate::layer_id::LayerId;
use crate::reserved::ReservedKeys;
use crate::sanitize::sanitize_into;

/// Stops renaming that keeps producing new conflicts; with the rules below one pass is enough
/// for any realistic document, so this bound is never reached in practice.
const MAX_PASSES: usize = 16;

/// Whether `other` uses `key` as an object: `other` is `key.` followed by more.
fn is_object_of(key: &[u8], other: &[u8]) -> bool {
    other.get(key.len()) == Some(&b'.') && other.starts_with(key)
}

#[derive(Clone, Copy, Debug)]
struct Item {
    key_start: usize,
    key_end: usize,
    entry: usize,
    /// The pass that last renamed the field; 0 for none.
    renamed_in: usize,
    /// `,"key":` ready to write, in `UserFields::prefixes`.
    prefix_start: usize,
    prefix_end: usize,
}

/// The user fields of one line with their final names; reused from line to line.
#[derive(Debug, Default)]
pub(crate) struct UserFields {
    keys: Vec<u8>,
    items: Vec<Item>,
    prefixes: Vec<u8>,
    /// The layer and the field names (address and length) the names above were resolved for.
    resolved_for: Option<LayerId>,
    resolved_names: Vec<ResolvedName>,
}

impl UserFields {
    pub(crate) const fn new() -> Self {
        UserFields {
            keys: Vec::new(),
            items: Vec::new(),
            prefixes: Vec::new(),
            resolved_for: None,
            resolved_names: Vec::new(),
        }
    }

    /// Resolves the names of `fields` as [`resolve`](Self::resolve) does, reusing the last
    /// result when the same layer resolved the same names in the same order: the outcome
    /// depends on nothing else, and consecutive events often come from one call site inside
    /// one span (every output line of a subprocess, say).
    // hot: once per event
    pub(crate) fn resolve_for(
        &mut self,
        layer: LayerId,
        fields: &FieldBuf,
        reserved: &ReservedKeys,
    ) {
        let same_names = self.resolved_for == Some(layer)
            && self.resolved_names.len() == fields.entries().len()
            && self
                .resolved_names
                .iter()
                .zip(fields.entries())
                .all(|(name, entry)| *name == ResolvedName::of(entry));
        if same_names {
            return;
        }
        self.resolve(fields, reserved);
        self.resolved_for = Some(layer);
        self.resolved_names.clear();
        self.resolved_names
            .extend(fields.entries().iter().map(ResolvedName::of));
    }

    fn key(&self, item: &Item) -> &[u8] {
        &self.keys[item.key_start..item.key_end]
    }

    /// Names every field of `fields`, whose entries come most important first (event fields,
    /// then the innermost span's, then outer spans'):
    ///
    /// 1. of several fields with one name, the first is kept and the others dropped;
    /// 2. the key is made acceptable to Elasticsearch by [`sanitize_into`] (empty, blank and
    ///    too deep segments, nested labels);
    /// 3. a field that conflicts with a key of the layer, a metadata name, an ECS object or leaf,
    ///    or another field that uses its name as an object, or whose value its ECS type cannot
    ///    hold, gets `_` inserted at the end of the conflicting name; a
    ///    renamed field that now equals a more important field's name is renamed again.
    ///
    /// The first pass compares every pair of fields; a later pass compares only the fields the
    /// pass before renamed, since no other pair has changed.
    // hot: once per event
    pub(crate) fn resolve(&mut self, fields: &FieldBuf, reserved: &ReservedKeys) {
        self.resolved_for = None;
        self.keys.clear();
        self.items.clear();
        let entries = fields.entries();
        for (index, entry) in entries.iter().enumerate() {
            let shadowed = self.items.iter().any(|earlier| {
                let earlier = &entries[earlier.entry];
                earlier.key == entry.key && earlier.naming.reserved_at == entry.naming.reserved_at
            });
            if shadowed {
                continue;
            }
            let key_start = self.keys.len();
            if entry.naming.clean {
                self.keys.extend_from_slice(entry.key.as_bytes());
            } else {
                sanitize_into(&mut self.keys, entry.key);
            }
            self.items.push(Item {
                key_start,
                key_end: self.keys.len(),
                entry: index,
                renamed_in: 0,
                prefix_start: 0,
                prefix_end: 0,
            });
        }

        for pass in 1..=MAX_PASSES {
            let mut renamed = false;
            for i in 0..self.items.len() {
                let item = self.items[i];
                let at = if pass == 1 {
                    let cached = entries[item.entry].naming.reserved_at;
                    cached
                        .map(|at| at as usize)
                        .or_else(|| self.clash_with_others(i, None))
                } else if item.renamed_in == pass - 1 {
                    reserved
                        .conflict(self.key(&item))
                        .or_else(|| self.clash_with_others(i, None))
                } else {
                    self.clash_with_others(i, Some(pass - 1))
                };
                if let Some(at) = at {
                    self.rename(i, at, pass);
                    renamed = true;
                }
            }
            if !renamed {
                self.render_prefixes(fields);
                return;
            }
        }
        self.drop_conflicts(reserved);
        self.render_prefixes(fields);
    }

    /// Renders `,"key":` of every field once, so that writing a line copies it in one go.
    fn render_prefixes(&mut self, fields: &FieldBuf) {
        self.prefixes.clear();
        for i in 0..self.items.len() {
            let item = self.items[i];
            let key = &self.keys[item.key_start..item.key_end];
            let prefix_start = self.prefixes.len();
            self.prefixes.extend_from_slice(b",\"");
            if fields.entries()[item.entry].naming.needs_escape {
                crate::json::escape_into(&mut self.prefixes, key);
            } else {
                self.prefixes.extend_from_slice(key);
            }
            self.prefixes.extend_from_slice(b"\":");
            self.items[i].prefix_start = prefix_start;
            self.items[i].prefix_end = self.prefixes.len();
        }
    }

    fn rename(&mut self, i: usize, at: usize, pass: usize) {
        let Item {
            key_start, key_end, ..
        } = self.items[i];
        let start = self.keys.len();
        self.keys.extend_from_within(key_start..key_start + at);
        self.keys.push(b'_');
        self.keys.extend_from_within(key_start + at..key_end);
        let item = &mut self.items[i];
        item.key_start = start;
        item.key_end = self.keys.len();
        item.renamed_in = pass;
    }

    /// Where `_` goes into field `i` because another field (of those renamed in pass `only`,
    /// or any) has the same name and comes first, or uses its name as an object.
    fn clash_with_others(&self, i: usize, only: Option<usize>) -> Option<usize> {
        let key = self.key(&self.items[i]);
        self.items.iter().enumerate().find_map(|(j, other)| {
            if j == i || only.is_some_and(|pass| other.renamed_in != pass) {
                return None;
            }
            let other_key = self.key(other);
            let clashes = (j < i && other_key == key) || is_object_of(key, other_key);
            clashes.then_some(key.len())
        })
    }

    /// The last resort after [`MAX_PASSES`]: a document without the field beats one that
    /// Elasticsearch rejects whole.
    fn drop_conflicts(&mut self, reserved: &ReservedKeys) {
        let mut i = 0;
        while i < self.items.len() {
            let key = self.key(&self.items[i]);
            if reserved.conflict(key).is_some() || self.clash_with_others(i, None).is_some() {
                self.items.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Appends `,"key":value` for every field. Keys stay valid UTF-8: they come from `&str` field
    /// names and sanitising only swaps or inserts ASCII bytes at ASCII positions.
    // hot: once per event
    pub(crate) fn write(&self, out: &mut Vec<u8>, fields: &FieldBuf) {
        for item in &self.items {
            out.extend_from_slice(&self.prefixes[item.prefix_start..item.prefix_end]);
            out.extend_from_slice(fields.value(&fields.entries()[item.entry]));
        }
    }
}

/// What a line's field names were resolved from: each field's name (by address and length: the
/// names are `&'static str`) and whether its value made it rename.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ResolvedName {
    address: usize,
    len: usize,
    reserved_at: Option<u32>,
}

impl ResolvedName {
    fn of(entry: &crate::fields::Entry) -> Self {
        ResolvedName {
            address: entry.key.as_ptr() as usize,
            len: entry.key.len(),
            reserved_at: entry.naming.reserved_at,
        }
    }
}

#[cfg(test)]
mod tests;
