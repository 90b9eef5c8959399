//! Keeping secrets out of logs, traces, metrics and audit records.
//!
//! One [`Redactor`] guards every output of the family: log fields and messages, span names,
//! attributes, events and statuses, command arguments and output, metric label values and
//! audit metadata. It answers two questions: is this *name* a secret
//! ([`Redactor::is_secret_key`]), and where inside this *value* are credentials
//! ([`Redactor::segments`]). A value that holds none is read once and neither copied nor
//! allocated; the time to read it grows linearly with its length, whatever it holds.

mod detect;
mod lines;
mod names;
mod scan;

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

pub use lines::LineRedactor;
use names::SecretNames;
pub use names::{DEFAULT_HARMLESS_QUALIFIERS, DEFAULT_SECRET_TERMS};

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// The token formats recognised by shape, as `(family, prefix)`, in the order they are tried;
/// docs/REDACTION.md lists them with the other detectors.
pub fn token_formats() -> impl Iterator<Item = (&'static str, &'static str)> {
    detect::shapes::SHAPES.iter().map(|s| (s.family, s.prefix))
}

/// Decides which names and which parts of values are secrets, and masks them.
///
/// **Names.** A field, attribute, flag or assignment name is cut into words (at separators,
/// case changes and digits) and is a secret when the words hold one of
/// [`DEFAULT_SECRET_TERMS`] — unless a harmless qualifier follows (`token_file`,
/// `password-stdin`, see [`DEFAULT_HARMLESS_QUALIFIERS`]) or `no` precedes (`--no-password`) —
/// or when one word ends with a strong term (`PGPASSWORD`, `authToken`). `tokens_used`,
/// `tokenizer` and `session_timeout` are not secrets.
///
/// **Values.** Inside any string value it masks: tokens recognised by their shape (GitHub,
/// GitLab, Slack, Stripe, AWS, Google, npm, PyPI and more: [`token_formats`]), JSON Web
/// Tokens, private key blocks, the password of a URL, the credential after `Bearer`/`Basic`,
/// webhook URLs of Slack and Discord, and the value after a secret name
/// (`DB_PASSWORD=…`, `--token …`, `"api_key": "…"`, `Authorization: Bearer …`,
/// `Password=…;`).
///
/// ```
/// use deploytel_core::Redactor;
///
/// let redactor = Redactor::default();
/// assert!(redactor.is_secret_key("DB_PASSWORD"));
/// assert!(!redactor.is_secret_key("password_file"));
/// assert_eq!(
///     redactor.redact("git clone https://ci:hunter2@git.example.com/app.git"),
///     "git clone https://ci:[REDACTED]@git.example.com/app.git",
/// );
/// assert_eq!(
///     redactor.redact("curl -H 'authorization: Bearer abc123XYZ' --token-file /run/t"),
///     "curl -H 'authorization: Bearer [REDACTED]' --token-file /run/t",
/// );
/// assert_eq!(redactor.redact_field("api-key", "abc"), "[REDACTED]");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Redactor {
    names: Arc<SecretNames>,
    scan_values: bool,
}

/// The redactor `deploytel::init()` (or the host) made the process's own, for outputs the
/// caller builds later without naming one: a `Command`.
static INSTALLED: OnceLock<Redactor> = OnceLock::new();

impl Default for Redactor {
    /// The default terms, qualifiers and detectors. Built once; later calls share it.
    fn default() -> Self {
        static DEFAULT: OnceLock<Redactor> = OnceLock::new();
        DEFAULT.get_or_init(|| Redactor::builder().build()).clone()
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secret_terms", &self.names.len())
            .field("scan_values", &self.scan_values)
            .finish()
    }
}

impl Redactor {
    /// A builder that starts from the defaults.
    pub fn builder() -> RedactorBuilder {
        RedactorBuilder {
            terms: DEFAULT_SECRET_TERMS
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            qualifiers: DEFAULT_HARMLESS_QUALIFIERS
                .iter()
                .map(|q| (*q).to_owned())
                .collect(),
            scan_values: true,
        }
    }

    /// Makes `redactor` the process's own: the one [`installed`](Self::installed) returns to
    /// outputs built without a redactor of their own, such as `deploytel_span::Command`.
    /// `deploytel::init()` calls it with the redactor it applies to logs, spans and metrics.
    /// Only the first call takes effect; it returns whether this one did.
    pub fn install(redactor: Redactor) -> bool {
        INSTALLED.set(redactor).is_ok()
    }

    /// The redactor [`install`](Self::install)ed for the process, or the default one.
    pub fn installed() -> Redactor {
        INSTALLED.get().cloned().unwrap_or_default()
    }

    /// A redactor that masks nothing, for outputs that must be written verbatim.
    pub fn disabled() -> Self {
        Redactor {
            names: Arc::new(SecretNames::new([], [])),
            scan_values: false,
        }
    }

    /// Whether this redactor masks anything at all.
    pub fn is_enabled(&self) -> bool {
        self.scan_values || self.names.len() > 0
    }

    /// Whether a field, attribute or flag with this name holds a secret.
    pub fn is_secret_key(&self, key: &str) -> bool {
        self.names.is_secret(key.as_bytes())
    }

    /// Whether the value has any credential in it.
    pub fn contains_secret(&self, value: &str) -> bool {
        self.find_secret(value).is_some()
    }

    /// Where the first credential in the value is, as a byte range; `None` when there is none,
    /// which is the cheap answer to check before cutting a value into [`segments`](Self::segments).
    #[inline]
    pub fn find_secret(&self, value: &str) -> Option<std::ops::Range<usize>> {
        if !self.scan_values {
            return None;
        }
        scan::next_secret(&self.names, value, 0).map(|(start, end)| start..end)
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
    /// and the argument after a flag whose name is a secret (`--token`; `--token-file` is not
    /// one) wholly, since `["--token", "abc"]` splits the pair that `--token abc` keeps
    /// together.
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

    /// A masker for the lines of one output stream, which also masks the lines inside a private
    /// key block that began on an earlier line.
    pub fn lines(&self) -> LineRedactor {
        LineRedactor::new(self.clone())
    }
}

/// Configures a [`Redactor`].
#[derive(Clone, Debug)]
pub struct RedactorBuilder {
    terms: Vec<String>,
    qualifiers: Vec<String>,
    scan_values: bool,
}

impl RedactorBuilder {
    /// Also treats names holding this term as secret. A term is a word or a phrase
    /// (`"vault pin"`), matched on word boundaries whatever the case and separators:
    /// `"vault pin"` matches `VAULT_PIN`, `vault-pin` and `vaultPin`.
    pub fn secret_key(mut self, term: impl Into<String>) -> Self {
        self.terms.push(term.into());
        self
    }

    /// Replaces the secret terms, defaults included, with these.
    pub fn secret_keys<I, K>(mut self, terms: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.terms = terms.into_iter().map(Into::into).collect();
        self
    }

    /// Also treats a name as harmless when this word follows its secret term
    /// (`"digest"` makes `password_digest` harmless).
    pub fn harmless_qualifier(mut self, word: impl Into<String>) -> Self {
        self.qualifiers.push(word.into());
        self
    }

    /// Whether to look for credentials inside values (on by default). Turning it off leaves
    /// only whole fields with secret names masked.
    pub fn scan_values(mut self, scan: bool) -> Self {
        self.scan_values = scan;
        self
    }

    /// The redactor. Terms without a letter or digit are dropped, since they match nothing.
    pub fn build(self) -> Redactor {
        Redactor {
            names: Arc::new(SecretNames::new(
                self.terms.iter().map(String::as_str),
                self.qualifiers.iter().map(String::as_str),
            )),
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
            scan::next_secret(&self.redactor.names, self.value, self.pos)
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
