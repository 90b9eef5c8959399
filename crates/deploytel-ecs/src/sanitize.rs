//! Field names made acceptable to Elasticsearch one name at a time, before any comparison with
//! the line's other names.
//!
//! Elasticsearch splits a name at its dots into a path of objects. It rejects a path with an
//! empty or whitespace-only segment, and by default one deeper than 20 levels
//! (`index.mapping.depth.limit`). ECS keeps `labels` flat: its values are keywords, never
//! objects.

/// The deepest path Elasticsearch maps by default: at most this many segments.
pub(crate) const MAX_DEPTH: usize = 20;

const LABELS: &str = "labels.";

/// Appends `key` with these changes, each of which keeps the bytes valid UTF-8 (only dots and
/// whole whitespace segments are replaced, by `_`):
///
/// - an empty key becomes `_`, and a dot that would leave an empty segment becomes `_`:
///   `.a` → `_a`, `a.` → `a_`, `a..b` → `a._b`;
/// - a segment of whitespace only becomes `_`: `a. .b` → `a._.b`;
/// - the dots after the 19th become `_`, so the path has at most [`MAX_DEPTH`] segments;
/// - under `labels`, the dots after `labels.` become `_`: `labels.a.b` → `labels.a_b`.
pub(crate) fn sanitize_into(out: &mut Vec<u8>, key: &str) {
    if key.is_empty() {
        out.push(b'_');
        return;
    }
    let start = out.len();
    let max_dots = if key.starts_with(LABELS) {
        1
    } else {
        MAX_DEPTH - 1
    };
    let mut dots = 0;
    let mut segments = key.split('.').peekable();
    let mut first = true;
    while let Some(segment) = segments.next() {
        if !first {
            let is_last = segments.peek().is_none();
            let empty_before = out.len() == start || out.last() == Some(&b'.');
            let empty_after = is_last && segment.is_empty();
            if empty_before || empty_after || dots == max_dots {
                out.push(b'_');
            } else {
                out.push(b'.');
                dots += 1;
            }
        }
        first = false;
        if !segment.is_empty() && segment.chars().all(char::is_whitespace) {
            out.push(b'_');
        } else {
            out.extend_from_slice(segment.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sanitized(key: &str) -> String {
        let mut out = Vec::new();
        sanitize_into(&mut out, key);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn empty_segments_turn_their_dot_into_an_underscore() {
        assert_eq!(sanitized(""), "_");
        assert_eq!(sanitized(".a"), "_a");
        assert_eq!(sanitized("a."), "a_");
        assert_eq!(sanitized("a..b"), "a._b");
        assert_eq!(sanitized("."), "_");
        assert_eq!(sanitized(".."), "__");
        assert_eq!(sanitized("a.b.c"), "a.b.c");
    }

    #[test]
    fn whitespace_only_segments_become_underscores() {
        assert_eq!(sanitized("a. .b"), "a._.b");
        assert_eq!(sanitized(" "), "_");
        assert_eq!(sanitized("a.\t\u{3000}"), "a._");
        assert_eq!(sanitized("a. b .c"), "a. b .c");
    }

    #[test]
    fn paths_deeper_than_twenty_levels_are_joined_at_the_end() {
        let deep: Vec<String> = (0..25).map(|i| format!("s{i}")).collect();
        let out = sanitized(&deep.join("."));
        assert_eq!(out.split('.').count(), MAX_DEPTH);
        assert!(out.ends_with("s19_s20_s21_s22_s23_s24"), "{out}");
    }

    #[test]
    fn labels_stay_flat() {
        assert_eq!(sanitized("labels.a.b"), "labels.a_b");
        assert_eq!(sanitized("labels.team"), "labels.team");
        assert_eq!(sanitized("labelsx.a.b"), "labelsx.a.b");
    }
}
