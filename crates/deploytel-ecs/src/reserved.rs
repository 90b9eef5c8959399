//! The names a user field may not take: those the layer writes itself, Elasticsearch's metadata
//! names, and (through `schema`) the objects and leaves of the ECS field table.

use crate::schema;

/// Elasticsearch's metadata fields, which a document may not contain: "Field [_id] is a
/// metadata field and cannot be added inside a document". Removed and plugin ones included, so
/// that a line stays acceptable to older clusters and common plugins.
const METADATA_FIELDS: &[&str] = &[
    "_all",
    "_data_stream_timestamp",
    "_doc_count",
    "_feature",
    "_field_names",
    "_id",
    "_ignored",
    "_ignored_source",
    "_index",
    "_meta",
    "_nested_path",
    "_parent",
    "_primary_term",
    "_routing",
    "_seq_no",
    "_size",
    "_source",
    "_tier",
    "_timestamp",
    "_ts_routing_hash",
    "_tsid",
    "_ttl",
    "_type",
    "_uid",
    "_version",
];

/// The names a user field may not take, fixed when the layer is built: the layer's own keys,
/// Elasticsearch's metadata fields, and the ECS field table.
#[derive(Clone, Debug)]
pub(crate) struct ReservedKeys {
    /// Keys the layer writes itself and metadata fields, sorted.
    leaves: Vec<Box<[u8]>>,
    /// Every dotted prefix of a key the layer writes, sorted.
    objects: Vec<Box<[u8]>>,
    /// For each first byte, a bit per length (63 standing for 63 and longer) of the names above
    /// and the ECS names starting with it: most names are cleared by one bit test, without a
    /// search.
    lengths_by_first_byte: Box<[u64; 256]>,
}

impl ReservedKeys {
    pub(crate) fn new<'a>(layer_keys: impl IntoIterator<Item = &'a str>) -> Self {
        let mut leaves: Vec<Box<[u8]>> = METADATA_FIELDS
            .iter()
            .map(|name| Box::<[u8]>::from(name.as_bytes()))
            .collect();
        let mut objects: Vec<Box<[u8]>> = Vec::new();
        for key in layer_keys {
            let key = key.as_bytes();
            leaves.push(key.into());
            objects.extend(dotted_prefixes(key).map(Box::<[u8]>::from));
        }
        for list in [&mut leaves, &mut objects] {
            list.sort();
            list.dedup();
        }
        let mut lengths_by_first_byte = Box::new([0u64; 256]);
        let mut note_length = |name: &[u8]| {
            if let Some(&first) = name.first() {
                lengths_by_first_byte[usize::from(first)] |= length_bit(name.len());
            }
        };
        leaves
            .iter()
            .chain(&objects)
            .for_each(|name| note_length(name));
        schema::all_names().for_each(|name| note_length(name.as_bytes()));
        ReservedKeys {
            leaves,
            objects,
            lengths_by_first_byte,
        }
    }

    /// Whether some leaf or object starts like `key` and is as long as `len`.
    fn may_hold(&self, key: &[u8], len: usize) -> bool {
        key.first().is_some_and(|&first| {
            self.lengths_by_first_byte[usize::from(first)] & length_bit(len) != 0
        })
    }

    fn is_leaf(&self, key: &[u8]) -> bool {
        self.leaves.binary_search_by(|l| (**l).cmp(key)).is_ok()
    }

    fn is_object(&self, key: &[u8]) -> bool {
        self.objects.binary_search_by(|o| (**o).cmp(key)).is_ok()
    }

    /// Where to insert `_` into `key` so that it stops conflicting, if it conflicts: with a key
    /// of the layer or a metadata field (`message` → `message_`, `_id` → `_id_`), with an ECS
    /// object (`host` → `host_`), or by nesting under either kind of leaf (`message.text` →
    /// `message_.text`, `host.name.short` → `host.name_.short`).
    // once per field name: the result is cached with the name's facts
    pub(crate) fn conflict(&self, key: &[u8]) -> Option<usize> {
        if self.may_hold(key, key.len())
            && (self.is_leaf(key) || self.is_object(key) || schema::is_object(key))
        {
            return Some(key.len());
        }
        dotted_prefixes(key)
            .find(|prefix| {
                self.may_hold(prefix, prefix.len())
                    && (self.is_leaf(prefix) || schema::leaf_type(prefix).is_some())
            })
            .map(<[u8]>::len)
    }
}

pub(crate) fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

/// `a`, `a.b` for `a.b.c`.
pub(crate) fn dotted_prefixes(key: &[u8]) -> impl Iterator<Item = &[u8]> {
    key.iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'.')
        .map(move |(i, _)| &key[..i])
}
