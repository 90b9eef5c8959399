//! Which names a user field may take in an ECS document, and what it is renamed to otherwise.
//!
//! Elasticsearch expands dotted keys into objects, so a document is rejected when one name is
//! used both as a value and as an object: `host: "web-01"` under the ECS mapping, where `host`
//! is an object, or `a` next to `a.b` in the same line. The layer's own keys must not be
//! overwritten either. [`ReservedKeys`] knows the names the layer writes and the ECS objects;
//! [`UserFields::resolve`] gives every user field a name that conflicts with none of them.

use crate::fields::FieldBuf;

/// ECS field sets and the nested objects most often written. A user field with one of these
/// names is renamed, since ECS maps the name as an object.
const ECS_OBJECTS: &[&str] = &[
    "agent",
    "as",
    "client",
    "cloud",
    "code_signature",
    "container",
    "data_stream",
    "destination",
    "device",
    "dll",
    "dns",
    "ecs",
    "elf",
    "email",
    "error",
    "event",
    "faas",
    "file",
    "geo",
    "group",
    "hash",
    "host",
    "host.os",
    "http",
    "interface",
    "labels",
    "log",
    "log.origin",
    "log.origin.file",
    "macho",
    "network",
    "observer",
    "orchestrator",
    "organization",
    "os",
    "package",
    "pe",
    "process",
    "process.parent",
    "process.thread",
    "registry",
    "related",
    "risk",
    "rule",
    "server",
    "service",
    "service.node",
    "source",
    "span",
    "threat",
    "tls",
    "trace",
    "transaction",
    "url",
    "user",
    "user_agent",
    "vlan",
    "vulnerability",
    "x509",
];

/// Stops renaming that keeps producing new conflicts; with the rules below one pass is enough
/// for any realistic document, so this bound is never reached in practice.
const MAX_PASSES: usize = 16;

/// The names a user field may not take, fixed when the layer is built.
#[derive(Clone, Debug)]
pub(crate) struct ReservedKeys {
    /// Keys the layer writes itself, sorted.
    leaves: Vec<Box<[u8]>>,
    /// Names that are objects: the ECS objects and every dotted prefix of a leaf, sorted.
    objects: Vec<Box<[u8]>>,
}

impl ReservedKeys {
    pub(crate) fn new<'a>(layer_keys: impl IntoIterator<Item = &'a str>) -> Self {
        let mut leaves: Vec<Box<[u8]>> = Vec::new();
        let mut objects: Vec<Box<[u8]>> = ECS_OBJECTS
            .iter()
            .map(|o| Box::<[u8]>::from(o.as_bytes()))
            .collect();
        for key in layer_keys {
            let key = key.as_bytes();
            leaves.push(key.into());
            objects.extend(dotted_prefixes(key).map(Box::<[u8]>::from));
        }
        for list in [&mut leaves, &mut objects] {
            list.sort();
            list.dedup();
        }
        ReservedKeys { leaves, objects }
    }

    fn is_leaf(&self, key: &[u8]) -> bool {
        self.leaves.binary_search_by(|l| (**l).cmp(key)).is_ok()
    }

    fn is_object(&self, key: &[u8]) -> bool {
        self.objects.binary_search_by(|o| (**o).cmp(key)).is_ok()
    }

    /// Where to insert `_` into `key` so that it stops conflicting with the layer's keys and
    /// the ECS objects, if it conflicts: `message` → `message_`, `host` → `host_`,
    /// `message.text` → `message_.text`.
    fn conflict(&self, key: &[u8]) -> Option<usize> {
        if self.is_leaf(key) || self.is_object(key) {
            return Some(key.len());
        }
        dotted_prefixes(key)
            .find(|prefix| self.is_leaf(prefix))
            .map(<[u8]>::len)
    }
}

/// `a`, `a.b` for `a.b.c`.
fn dotted_prefixes(key: &[u8]) -> impl Iterator<Item = &[u8]> {
    key.iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'.')
        .map(move |(i, _)| &key[..i])
}

/// Whether `other` uses `key` as an object: `other` is `key.` followed by more.
fn is_object_of(key: &[u8], other: &[u8]) -> bool {
    other.len() > key.len() && other[key.len()] == b'.' && other.starts_with(key)
}

#[derive(Clone, Copy, Debug)]
struct Item {
    key_start: usize,
    key_end: usize,
    entry: usize,
    live: bool,
}

/// The user fields of one line with their final names; reused from line to line.
#[derive(Debug, Default)]
pub(crate) struct UserFields {
    keys: Vec<u8>,
    items: Vec<Item>,
}

impl UserFields {
    pub(crate) const fn new() -> Self {
        UserFields {
            keys: Vec::new(),
            items: Vec::new(),
        }
    }

    fn key(&self, item: &Item) -> &[u8] {
        &self.keys[item.key_start..item.key_end]
    }

    /// Names every field of `fields`, whose entries come most important first (event fields,
    /// then the innermost span's, then outer spans'):
    ///
    /// 1. of several fields with one name, the first is kept and the others dropped;
    /// 2. the key is made acceptable to Elasticsearch: an empty key becomes `_`, and a dot that
    ///    would leave an empty path segment (leading, trailing or doubled) becomes `_`;
    /// 3. a field that conflicts with a key of the layer, an ECS object, or another field that
    ///    uses its name as an object gets `_` inserted at the end of the conflicting name; a
    ///    renamed field that now equals a more important field's name is renamed again.
    // hot: once per event
    pub(crate) fn resolve(&mut self, fields: &FieldBuf, reserved: &ReservedKeys) {
        self.keys.clear();
        self.items.clear();
        for (index, entry) in fields.entries().iter().enumerate() {
            let key_start = self.keys.len();
            sanitize_into(&mut self.keys, entry.key.as_bytes());
            let item = Item {
                key_start,
                key_end: self.keys.len(),
                entry: index,
                live: true,
            };
            let duplicate = self
                .items
                .iter()
                .any(|earlier| fields.entries()[earlier.entry].key == entry.key);
            if duplicate {
                self.keys.truncate(key_start);
            } else {
                self.items.push(item);
            }
        }
        for _ in 0..MAX_PASSES {
            if !self.rename_conflicts(reserved) {
                return;
            }
        }
        self.drop_conflicts(reserved);
    }

    /// One renaming pass; says whether anything was renamed.
    fn rename_conflicts(&mut self, reserved: &ReservedKeys) -> bool {
        let mut renamed = false;
        for i in 0..self.items.len() {
            if let Some(at) = self.conflict(i, reserved) {
                let Item {
                    key_start, key_end, ..
                } = self.items[i];
                let start = self.keys.len();
                self.keys.extend_from_within(key_start..key_start + at);
                self.keys.push(b'_');
                self.keys.extend_from_within(key_start + at..key_end);
                self.items[i].key_start = start;
                self.items[i].key_end = self.keys.len();
                renamed = true;
            }
        }
        renamed
    }

    fn conflict(&self, i: usize, reserved: &ReservedKeys) -> Option<usize> {
        let key = self.key(&self.items[i]);
        reserved.conflict(key).or_else(|| {
            self.items.iter().enumerate().find_map(|(j, other)| {
                let other_key = self.key(other);
                let clashes = (j < i && other_key == key) || is_object_of(key, other_key);
                (j != i && other.live && clashes).then_some(key.len())
            })
        })
    }

    /// The last resort after [`MAX_PASSES`]: a document without the field beats one that
    /// Elasticsearch rejects whole.
    fn drop_conflicts(&mut self, reserved: &ReservedKeys) {
        for i in 0..self.items.len() {
            if self.conflict(i, reserved).is_some() {
                self.items[i].live = false;
            }
        }
        self.items.retain(|item| item.live);
    }

    /// Appends `,"key":value` for every field. Keys stay valid UTF-8: they come from `&str` field
    /// names and sanitising only swaps or inserts ASCII bytes at ASCII positions.
    // hot: once per event
    pub(crate) fn write(&self, out: &mut Vec<u8>, fields: &FieldBuf) {
        for item in &self.items {
            out.extend_from_slice(b",\"");
            crate::json::escape_into(out, self.key(item));
            out.extend_from_slice(b"\":");
            out.extend_from_slice(fields.value(&fields.entries()[item.entry]));
        }
    }
}

/// Writes `key` with an empty key turned into `_` and each dot that would start an empty path
/// segment turned into `_`.
fn sanitize_into(out: &mut Vec<u8>, key: &[u8]) {
    if key.is_empty() {
        out.push(b'_');
        return;
    }
    let start = out.len();
    for (i, &b) in key.iter().enumerate() {
        let empty_segment =
            b == b'.' && (out.len() == start || out.last() == Some(&b'.') || i + 1 == key.len());
        out.push(if empty_segment { b'_' } else { b });
    }
}

#[cfg(test)]
mod tests;
