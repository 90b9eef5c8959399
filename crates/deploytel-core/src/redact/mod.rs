//! Keeping secrets out of logs, traces and audit records.
//!
//! One [`Redactor`] guards every output of the family: log fields, span attributes, command
//! arguments and audit metadata. It answers two questions: is this *field name* a secret
//! ([`Redactor::is_secret_key`]), and where inside this *value* are credentials
//! ([`Redactor::segments`]). A value that holds none is neither copied nor allocated.

mod keys;
mod values;

use std::borrow::Cow;
use std::fmt;

use keys::SecretKeys;
pub use keys::DEFAULT_SECRET_KEYS;

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Decides which field names and which parts of values are secrets, and masks them.
///
/// The default redactor treats as secret every field whose name contains one of
/// [`DEFAULT_SECRET_KEYS`] (ASCII case-insensitive; `_`, `-` and `.` are interchangeable), and
/// finds these credentials inside values:
///
/// | value | what is masked |
/// |---|---|
/// | `Authorization: Bearer eyJhbGciOi…` | the token after `Bearer`/`Basic` |
/// | `-----BEGIN RSA PRIVATE KEY----- … -----END RSA PRIVATE KEY-----` | the whole block |
/// | `AKIAIOSFODNN7EXAMPLE` | the AWS access key id |
/// | `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln` | the JSON Web Token |
/// | `https://deploy:hunter2@git.example.com/repo` | the password of the URL's userinfo |
/// | `--password=hunter2`, `--token hunter2`, `DB_PASSWORD=hunter2` | the value of the flag or assignment |
///
/// ```
/// use deploytel_core::Redactor;
///
/// let redactor = Redactor::default();
/// assert!(redactor.is_secret_key("DB_PASSWORD"));
/// assert_eq!(
///     redactor.redact("git clone https://ci:hunter2@git.example.com/app.git"),
///     "git clone https://ci:[REDACTED]@git.example.com/app.git",
/// );
/// assert_eq!(redactor.redact_field("api-key", "abc"), "[REDACTED]");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Redactor {
    keys: SecretKeys,
    scan_values: bool,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::builder().build()
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("key_patterns", &self.keys.len())
            .field("scan_values", &self.scan_values)
            .finish()
    }
}

impl Redactor {
    /// A builder that starts from the defaults.
    pub fn builder() -> RedactorBuilder {
        RedactorBuilder {
            keys: DEFAULT_SECRET_KEYS
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
            scan_values: true,
        }
    }

    /// A redactor that masks nothing, for outputs that must be written verbatim.
    pub fn disabled() -> Self {
        Redactor {
            keys: SecretKeys::new([]),
            scan_values: false,
        }
    }

    /// Whether a field, attribute or flag with this name holds a secret.
    pub fn is_secret_key(&self, key: &str) -> bool {
        self.keys.matches(key.as_bytes())
    }

    /// Whether the value has any credential in it.
    pub fn contains_secret(&self, value: &str) -> bool {
        self.find_secret(value).is_some()
    }

    /// Where the first credential in the value is, as a byte range; `None` when there is none,
    /// which is the cheap answer to check before cutting a value into [`segments`](Self::segments).
    pub fn find_secret(&self, value: &str) -> Option<std::ops::Range<usize>> {
        if !self.scan_values {
            return None;
        }
        values::next_secret(&self.keys, value, 0).map(|(start, end)| start..end)
    }

    /// The value cut into clear text and masked secrets, in order; write the clear parts as they
    /// are and [`REDACTED`] for each secret. Allocates nothing.
    pub fn segments<'a>(&'a self, value: &'a str) -> Segments<'a> {
        Segments {
            redactor: self,
            value,
            pos: 0,
            pending_secret_end: None,
        }
    }

    /// The value with every credential in it masked; borrowed when there was none.
    pub fn redact<'a>(&self, value: &'a str) -> Cow<'a, str> {
        let mut segments = self.segments(value);
        match segments.next() {
            None => Cow::Borrowed(value),
            Some(Segment::Clear(all)) if all.len() == value.len() => Cow::Borrowed(value),
            Some(first) => {
                let mut masked = String::with_capacity(value.len());
                for segment in std::iter::once(first).chain(segments) {
                    masked.push_str(segment.as_str());
                }
                Cow::Owned(masked)
            }
        }
    }

    /// A command line with its secrets masked: each argument as [`redact`](Self::redact) does,
    /// and the argument after a flag whose name is a secret (`--token`, `-p` is not one) wholly,
    /// since `["--token", "abc"]` splits the pair that `--token abc` keeps together.
    pub fn redact_args<'a, S: AsRef<str> + 'a>(
        &self,
        args: impl IntoIterator<Item = &'a S>,
    ) -> Vec<String> {
        let mut masked = Vec::new();
        let mut value_is_secret = false;
        for arg in args {
            let arg = arg.as_ref();
            if value_is_secret && !arg.starts_with('-') {
                masked.push(REDACTED.to_owned());
                value_is_secret = false;
                continue;
            }
            value_is_secret = arg.strip_prefix("--").is_some_and(|flag| {
                !flag.contains('=') && !flag.is_empty() && self.is_secret_key(flag)
            });
            masked.push(self.redact(arg).into_owned());
        }
        masked
    }

    /// The value of the field named `key`: wholly masked when the name is a secret, otherwise
    /// with the credentials inside it masked.
    pub fn redact_field<'a>(&self, key: &str, value: &'a str) -> Cow<'a, str> {
        if self.is_secret_key(key) {
            Cow::Borrowed(REDACTED)
        } else {
            self.redact(value)
        }
    }
}

/// Configures a [`Redactor`].
#[derive(Clone, Debug)]
pub struct RedactorBuilder {
    keys: Vec<String>,
    scan_values: bool,
}

impl RedactorBuilder {
    /// Also treats field names containing `pattern` as secret.
    pub fn secret_key(mut self, pattern: impl Into<String>) -> Self {
        self.keys.push(pattern.into());
        self
    }

    /// Replaces the secret key patterns, defaults included, with these.
    pub fn secret_keys<I, K>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.keys = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Whether to look for credentials inside values (on by default). Turning it off leaves
    /// only whole fields with secret names masked.
    pub fn scan_values(mut self, scan: bool) -> Self {
        self.scan_values = scan;
        self
    }

    /// The redactor. Empty patterns are dropped, since they would match every name.
    pub fn build(self) -> Redactor {
        Redactor {
            keys: SecretKeys::new(self.keys.iter().map(String::as_str)),
            scan_values: self.scan_values,
        }
    }
}

/// A piece of a value, as cut by [`Redactor::segments`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Text with no secret in it.
    Clear(&'a str),
    /// A secret, to be written as [`REDACTED`].
    Secret,
}

impl<'a> Segment<'a> {
    /// The text to write for this piece.
    pub fn as_str(&self) -> &'a str {
        match self {
            Segment::Clear(text) => text,
            Segment::Secret => REDACTED,
        }
    }
}

/// Iterator over the [`Segment`]s of a value.
#[derive(Clone, Debug)]
pub struct Segments<'a> {
    redactor: &'a Redactor,
    value: &'a str,
    pos: usize,
    pending_secret_end: Option<usize>,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if let Some(end) = self.pending_secret_end.take() {
            self.pos = end;
            return Some(Segment::Secret);
        }
        if self.pos >= self.value.len() {
            return None;
        }
        let secret = if self.redactor.scan_values {
            values::next_secret(&self.redactor.keys, self.value, self.pos)
        } else {
            None
        };
        match secret {
            None => {
                let rest = self.value.get(self.pos..).unwrap_or_default();
                self.pos = self.value.len();
                Some(Segment::Clear(rest))
            }
            Some((start, end)) if start > self.pos => {
                let clear = self.value.get(self.pos..start);
                self.pending_secret_end = Some(end);
                // Detectors split only at ASCII bytes; should that ever fail, mask rather than
                // leak or panic.
                Some(clear.map_or(Segment::Secret, Segment::Clear))
            }
            Some((_, end)) => {
                self.pos = end;
                Some(Segment::Secret)
            }
        }
    }
}

#[cfg(test)]
mod tests;
