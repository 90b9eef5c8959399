//! A small JSON writer: objects whose keys are written in the order the code writes them.
//!
//! The order matters: a record's document opens with `{"event":{"sequence":` so that the
//! journal can put the sequence number in front of bytes encoded before the number was known.

/// Appends `value` as a JSON string, quotes included.
pub(crate) fn push_string(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Writes the members of one JSON object, commas included; the caller writes the braces.
pub(crate) struct Members<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Members<'a> {
    /// Members of an object whose `{` is already written and which has no member yet.
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        Members { out, first: true }
    }

    /// Members of an object that already has at least one.
    pub(crate) fn after_first(out: &'a mut Vec<u8>) -> Self {
        Members { out, first: false }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        push_string(self.out, key);
        self.out.push(b':');
    }

    pub(crate) fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        push_string(self.out, value);
    }

    pub(crate) fn optional(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.string(key, value);
        }
    }

    pub(crate) fn raw(&mut self, key: &str, value: &str) {
        self.key(key);
        self.out.extend_from_slice(value.as_bytes());
    }

    pub(crate) fn strings<'s>(&mut self, key: &str, values: impl IntoIterator<Item = &'s str>) {
        self.key(key);
        self.out.push(b'[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            push_string(self.out, value);
        }
        self.out.push(b']');
    }

    /// A nested object, written by `members`; nothing at all when it writes no member.
    pub(crate) fn object(&mut self, key: &str, members: impl FnOnce(&mut Members<'_>)) {
        let mark = self.out.len();
        let was_first = self.first;
        self.key(key);
        self.out.push(b'{');
        let opened = self.out.len();
        members(&mut Members::new(self.out));
        if self.out.len() == opened {
            self.out.truncate(mark);
            self.first = was_first;
        } else {
            self.out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json_reads_them() {
        for value in [
            "plain",
            "quote \" and \\ back",
            "line\nbreak\ttab\r",
            "\u{1}\u{1f}",
            "ünï 🚀",
        ] {
            let mut out = Vec::new();
            push_string(&mut out, value);
            let read: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(read, value);
        }
    }

    #[test]
    fn an_empty_object_is_left_out() {
        let mut out = b"{".to_vec();
        let mut members = Members::new(&mut out);
        members.object("empty", |_| {});
        members.string("a", "b");
        members.object("full", |m| m.string("c", "d"));
        out.push(b'}');
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":"b","full":{"c":"d"}}"#
        );
    }
}
