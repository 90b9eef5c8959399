//! Which field names, flag names and assignment names hold secrets.
//!
//! A name is cut into words: at every byte that is not a letter or digit, where a lowercase
//! letter meets an uppercase one (`dbPassword`), before the last capital of a run of capitals
//! followed by a lowercase letter (`APIKey`), and between letters and digits. It is a secret
//! when its words contain a secret term (`password`, `api key`, …) that is not followed by a
//! harmless qualifier (`password_file`, `token-ttl`) nor preceded by a negation
//! (`--no-password`), or when one word ends with a strong term (`PGPASSWORD`, `authtoken`).
//! Words are compared ASCII case-insensitively; nothing is allocated.

/// The secret terms of a default [`Redactor`](super::Redactor), one word or a phrase of words.
pub const DEFAULT_SECRET_TERMS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "secret",
    "token",
    "apikey",
    "api key",
    "authorization",
    "cookie",
    "credential",
    "credentials",
    "private key",
    "privatekey",
    "access key",
    "account key",
    "master key",
    "encryption key",
    "signing key",
    "signature",
    "jwt",
];

/// Words after a term that make the name describe the secret rather than hold it.
pub const DEFAULT_HARMLESS_QUALIFIERS: &[&str] = &[
    "algorithm",
    "arn",
    "count",
    "created",
    "dir",
    "disabled",
    "enabled",
    "endpoint",
    "env",
    "expiration",
    "expires",
    "expiry",
    "field",
    "file",
    "files",
    "format",
    "hint",
    "id",
    "ids",
    "kind",
    "len",
    "length",
    "limit",
    "manager",
    "max",
    "method",
    "min",
    "mount",
    "name",
    "names",
    "path",
    "policy",
    "prompt",
    "provider",
    "ref",
    "required",
    "rotation",
    "set",
    "size",
    "source",
    "stdin",
    "store",
    "timeout",
    "ttl",
    "type",
    "updated",
    "uri",
    "url",
    "used",
    "var",
    "version",
];

/// Words before a term that negate it: `--no-password` is a switch, not a password.
const NEGATIONS: &[&[u8]] = &[b"no", b"without"];

/// Terms that also count at the end of a longer word: `PGPASSWORD`, `authtoken`, `xapikey`.
const STRONG_SUFFIXES: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"passphrase",
    b"secret",
    b"token",
    b"apikey",
    b"privatekey",
    b"secretkey",
    b"accesskey",
    b"accountkey",
    b"credentials",
];

/// Names longer than this are not looked at word by word beyond it.
const MAX_WORDS: usize = 24;

/// A byte range of a name: one of its words.
type Word = (usize, usize);

/// The secret terms and harmless qualifiers, each term as its words, all lowercase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecretNames {
    terms: Vec<Vec<Box<[u8]>>>,
    qualifiers: Vec<Box<[u8]>>,
    anchors: Anchors,
}

/// Letters and digits, case folded, as 0 to 35; the other bytes of names (`_`, `-`, `.`) as
/// [`OTHER`]; every other byte as [`NOT_NAME`].
static ALNUM_INDEX: [u8; 256] = {
    let mut table = [NOT_NAME as u8; 256];
    table[b'_' as usize] = OTHER as u8;
    table[b'-' as usize] = OTHER as u8;
    table[b'.' as usize] = OTHER as u8;
    let mut b = 0;
    while b < 26 {
        table[b'a' as usize + b] = b as u8;
        table[b'A' as usize + b] = b as u8;
        b += 1;
    }
    let mut d = 0;
    while d < 10 {
        table[b'0' as usize + d] = 26 + d as u8;
        d += 1;
    }
    table
};
/// The index of the bytes of names that are neither letter nor digit.
const OTHER: usize = 36;
/// The index of bytes that are not part of a name.
const NOT_NAME: usize = 37;
/// Indexes, [`OTHER`] and [`NOT_NAME`] included.
const INDEXES: usize = 38;
/// Bit of an [`Anchors`] entry saying the two letters are an anchor whatever follows.
const WHOLE: u64 = 1 << 63;

/// The first three letters (or the whole word, when shorter) of every term's words and of the
/// strong suffixes. A name holds a secret only where one of its words is a term's word or ends
/// with a strong suffix, so only a name that holds one of these anchors, case folded, can be a
/// secret: a test of a few instructions per byte that settles most names without cutting them
/// into words.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Anchors {
    /// For the indexes `a` and `b` of two bytes, entry `a * 38 + b`: bit `c` set when the
    /// letters `abc` are an anchor, [`WHOLE`] when `ab` are. Entries of other bytes stay empty.
    third: Box<[u64]>,
    /// The same anchors read backwards: for the bytes `b` and `c`, entry `b * 38 + c` has bit
    /// `a` set when `abc` is an anchor, or when `ab` is (whatever `c`).
    first: Box<[u64]>,
    /// A term has a word of one letter: every name must be looked at.
    any: bool,
}

impl Anchors {
    fn new<'a>(words: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut anchors = Anchors {
            third: vec![0; INDEXES * INDEXES].into_boxed_slice(),
            first: vec![0; INDEXES * INDEXES].into_boxed_slice(),
            any: false,
        };
        let index = |b: u8| usize::from(ALNUM_INDEX[usize::from(b)]);
        for word in words {
            // Term words are runs of letters or of digits, never other bytes.
            match *word {
                [a, b, c, ..] => {
                    let (a, b, c) = (index(a), index(b), index(c));
                    anchors.third[a * INDEXES + b] |= 1 << c;
                    anchors.first[b * INDEXES + c] |= 1 << a;
                }
                [a, b] => {
                    let (a, b) = (index(a), index(b));
                    anchors.third[a * INDEXES + b] |= WHOLE;
                    for c in 0..INDEXES {
                        anchors.first[b * INDEXES + c] |= 1 << a;
                    }
                }
                _ => anchors.any = true,
            }
        }
        anchors
    }

    /// Whether `name` holds an anchor.
    // hot: once per name before a mark in a value
    #[inline]
    fn found_in(&self, name: &[u8]) -> bool {
        if self.any {
            return true;
        }
        let mut before = OTHER;
        // The anchors' third letters for the two bytes before this one.
        let mut pending = 0u64;
        for &b in name {
            let here = usize::from(ALNUM_INDEX[usize::from(b)]);
            // Bits 36 and 37, of bytes other than letters and digits, are never set.
            if pending & ((1 << here) | WHOLE) != 0 {
                return true;
            }
            pending = self.third[before * INDEXES + here];
            before = here;
        }
        pending & WHOLE != 0
    }

    /// The start of the name that ends at `end` (its bytes: letters, digits, `_`, `-`, `.`),
    /// looking back no further than `low`, and whether the name holds an anchor: one walk
    /// backwards does both.
    // hot: once per mark in a value
    #[inline]
    fn name_ending_at(&self, bytes: &[u8], low: usize, end: usize) -> (usize, bool) {
        let mut found = self.any;
        let mut after = NOT_NAME;
        // The letters that would complete an anchor before this byte.
        let mut pending = 0u64;
        let mut start = low;
        for (i, &b) in bytes[low..end].iter().enumerate().rev() {
            let here = usize::from(ALNUM_INDEX[usize::from(b)]);
            if here == NOT_NAME {
                start = low + i + 1;
                break;
            }
            found |= pending & (1 << here) != 0;
            pending = self.first[here * INDEXES + after];
            after = here;
        }
        (start, found)
    }
}

impl SecretNames {
    /// Terms are cut into words like names are; a term with no word in it is dropped, since it
    /// would match nothing.
    pub(crate) fn new<'a>(
        terms: impl IntoIterator<Item = &'a str>,
        qualifiers: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let lower_words = |text: &str| -> Vec<Box<[u8]>> {
            let bytes = text.as_bytes();
            let mut words = [(0, 0); MAX_WORDS];
            let count = split(bytes, &mut words);
            words[..count]
                .iter()
                .map(|&(s, e)| bytes[s..e].to_ascii_lowercase().into_boxed_slice())
                .collect()
        };
        let terms: Vec<Vec<Box<[u8]>>> = terms
            .into_iter()
            .map(lower_words)
            .filter(|words| !words.is_empty())
            .collect();
        let anchors = Anchors::new(
            terms
                .iter()
                .flatten()
                .map(|word| &word[..])
                .chain(STRONG_SUFFIXES.iter().copied()),
        );
        SecretNames {
            terms,
            qualifiers: qualifiers.into_iter().flat_map(lower_words).collect(),
            anchors,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether a name holds a secret. In a dotted name (a namespace, a resource address, a
    /// file name) only the last part counts: `spring.datasource.password` is a secret,
    /// `aws_secretsmanager_secret.db` and `password.txt` are not.
    pub(crate) fn is_secret(&self, name: &[u8]) -> bool {
        if self.terms.is_empty() {
            return false;
        }
        let name = last_part(name);
        self.anchors.found_in(name) && self.has_secret_word(name)
    }

    /// The name that ends at `end` of `bytes`, looking back no further than `low`, as its
    /// start, and whether it holds a secret.
    pub(crate) fn name_ending_at(&self, bytes: &[u8], low: usize, end: usize) -> (usize, bool) {
        let (start, anchored) = self.anchors.name_ending_at(bytes, low, end);
        let secret = anchored
            && !self.terms.is_empty()
            && self.has_secret_word(last_part(&bytes[start..end]));
        (start, secret)
    }

    /// [`is_secret`](Self::is_secret) of a name's last part, word by word.
    fn has_secret_word(&self, name: &[u8]) -> bool {
        let mut words = [(0, 0); MAX_WORDS];
        let count = split(name, &mut words);
        let words = &words[..count];
        let word = |i: usize| words.get(i).map(|&(s, e)| &name[s..e]);
        for i in 0..words.len() {
            for term in &self.terms {
                let matched = term
                    .iter()
                    .enumerate()
                    .all(|(k, t)| word(i + k).is_some_and(|w| w.eq_ignore_ascii_case(t)));
                if matched && !self.harmless(word(i.wrapping_sub(1)), term, word(i + term.len())) {
                    return true;
                }
            }
            if word(i).is_some_and(ends_with_strong_suffix)
                && !self.harmless(word(i.wrapping_sub(1)), &[], word(i + 1))
            {
                return true;
            }
        }
        false
    }

    /// Whether the words around a term make it harmless: a qualifier after it (`secret_id`
    /// excepted, which is how Vault names a credential), or a negation before it.
    fn harmless(&self, before: Option<&[u8]>, term: &[Box<[u8]>], after: Option<&[u8]>) -> bool {
        let negated = before.is_some_and(|b| NEGATIONS.iter().any(|n| b.eq_ignore_ascii_case(n)));
        let qualified = after.is_some_and(|a| {
            let vault_secret_id =
                a.eq_ignore_ascii_case(b"id") && term.last().is_some_and(|t| &**t == b"secret");
            !vault_secret_id && self.qualifiers.iter().any(|q| a.eq_ignore_ascii_case(q))
        });
        negated || qualified
    }
}

/// What follows the last `.` that has something after it.
fn last_part(name: &[u8]) -> &[u8] {
    let trimmed = name.strip_suffix(b".").unwrap_or(name);
    trimmed
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(trimmed, |dot| &trimmed[dot + 1..])
}

/// A word longer than the term that ends with it: `pgpassword`, not `password` (which the
/// terms cover) and not `tokens`.
fn ends_with_strong_suffix(word: &[u8]) -> bool {
    STRONG_SUFFIXES.iter().any(|suffix| {
        word.len() > suffix.len() && word[word.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    })
}

/// Cuts `name` into words, writing their ranges into `words`; returns how many it wrote.
pub(crate) fn split(name: &[u8], words: &mut [Word]) -> usize {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Lower,
        Upper,
        Digit,
        Other,
    }
    let kind = |b: u8| match b {
        b'a'..=b'z' => Kind::Lower,
        b'A'..=b'Z' => Kind::Upper,
        b'0'..=b'9' => Kind::Digit,
        _ => Kind::Other,
    };
    let mut count = 0;
    let mut start = None;
    let mut push = |s: usize, e: usize, count: &mut usize| {
        if *count < words.len() {
            words[*count] = (s, e);
            *count += 1;
        }
    };
    for i in 0..name.len() {
        let here = kind(name[i]);
        let Some(s) = start else {
            if here != Kind::Other {
                start = Some(i);
            }
            continue;
        };
        let before = kind(name[i - 1]);
        let next = name.get(i + 1).map_or(Kind::Other, |&b| kind(b));
        let boundary = match (before, here) {
            (_, Kind::Other) => true,
            (Kind::Lower, Kind::Upper) => true,
            (Kind::Upper, Kind::Upper) => next == Kind::Lower,
            (Kind::Digit, Kind::Lower | Kind::Upper) | (Kind::Lower | Kind::Upper, Kind::Digit) => {
                true
            }
            _ => false,
        };
        if boundary {
            push(s, i, &mut count);
            start = (here != Kind::Other).then_some(i);
        }
    }
    if let Some(s) = start {
        push(s, name.len(), &mut count);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(name: &str) -> Vec<&str> {
        let mut ranges = [(0, 0); MAX_WORDS];
        let count = split(name.as_bytes(), &mut ranges);
        ranges[..count].iter().map(|&(s, e)| &name[s..e]).collect()
    }

    fn defaults() -> SecretNames {
        SecretNames::new(
            DEFAULT_SECRET_TERMS.iter().copied(),
            DEFAULT_HARMLESS_QUALIFIERS.iter().copied(),
        )
    }

    #[test]
    fn names_are_cut_at_separators_case_changes_and_digits() {
        assert_eq!(words("DB_PASSWORD"), ["DB", "PASSWORD"]);
        assert_eq!(words("dbPassword"), ["db", "Password"]);
        assert_eq!(words("APIKey"), ["API", "Key"]);
        assert_eq!(words("x-api-key"), ["x", "api", "key"]);
        assert_eq!(words("--password-stdin"), ["password", "stdin"]);
        assert_eq!(words("token2"), ["token", "2"]);
        assert_eq!(words("sha256sum"), ["sha", "256", "sum"]);
        assert_eq!(words("..."), Vec::<&str>::new());
    }

    #[test]
    fn secret_terms_match_whole_words_and_strong_suffixes() {
        let names = defaults();
        for name in [
            "password",
            "DB_PASSWORD",
            "dbPassword",
            "PGPASSWORD",
            "client_secret",
            "GITHUB_TOKEN",
            "authToken",
            "x-api-key",
            "ApiKey",
            "XAPIKEY",
            "Authorization",
            "proxy-authorization",
            "set-cookie",
            "ssh.private_key",
            "aws_credentials",
            "aws_secret_access_key",
            "AccountKey",
            "SharedAccessKey",
            "secret_id",
            "vault.secret_id",
            "spring.datasource.password",
            "password_hash",
            "password_for_db",
        ] {
            assert!(names.is_secret(name.as_bytes()), "{name} should be secret");
        }
    }

    #[test]
    fn qualifiers_negations_and_other_words_are_harmless() {
        let names = defaults();
        for name in [
            "host",
            "deployment.id",
            "keys",
            "token-file",
            "--token-file",
            "session-timeout",
            "session_id",
            "secret-name",
            "secret_name",
            "no-password",
            "password-stdin",
            "max_tokens",
            "tokens_used",
            "tokenizer",
            "session_timeout_secs",
            "password_min_length",
            "token_type",
            "access_key_id",
            "AWS_ACCESS_KEY_ID",
            "broken",
            "monkey",
            "PWD",
            "aws_secretsmanager_secret.db",
            "password.txt",
        ] {
            assert!(
                !names.is_secret(name.as_bytes()),
                "{name} should not be secret"
            );
        }
    }

    #[test]
    fn custom_terms_are_cut_into_words_like_names() {
        let names = SecretNames::new(["vault pin", "", "--"], []);
        assert_eq!(names.len(), 1);
        assert!(names.is_secret(b"VAULT_PIN"));
        assert!(names.is_secret(b"vaultPin"));
        assert!(!names.is_secret(b"vault"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4_000))]

        /// The anchors only save work: every name the words make a secret holds one.
        #[test]
        fn every_name_with_a_secret_word_holds_an_anchor(
            parts in proptest::collection::vec(
                "(pass|word|PASS|Word|sec|ret|SECRET|tok|en|Token|api|API|key|Key|vault|pin|Pin|x|p|w|[a-zA-Z0-9]{1,3}|[-_. ])",
                1..8,
            )
        ) {
            let name = parts.concat();
            let names = SecretNames::new(
                DEFAULT_SECRET_TERMS.iter().copied().chain(["vault pin", "ok"]),
                DEFAULT_HARMLESS_QUALIFIERS.iter().copied(),
            );
            let name = last_part(name.as_bytes());
            if names.has_secret_word(name) {
                proptest::prop_assert!(names.anchors.found_in(name), "{:?}", String::from_utf8_lossy(name));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        /// Walking a name backwards finds where it starts and the same anchors as walking it
        /// forwards.
        #[test]
        fn the_backward_walk_agrees_with_the_forward_one(
            text in "[ a-zA-Z0-9_.:=-]{0,40}",
            short_term in proptest::bool::ANY,
        ) {
            let mut terms: Vec<&str> = DEFAULT_SECRET_TERMS.to_vec();
            if short_term {
                terms.push("ok");
            }
            let names = SecretNames::new(terms, DEFAULT_HARMLESS_QUALIFIERS.iter().copied());
            let bytes = text.as_bytes();
            let (start, anchored) = names.anchors.name_ending_at(bytes, 0, bytes.len());
            let expected_start = bytes
                .iter()
                .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
                .map_or(0, |n| n + 1);
            proptest::prop_assert_eq!(start, expected_start);
            proptest::prop_assert_eq!(anchored, names.anchors.found_in(&bytes[start..]));
        }
    }

    #[test]
    fn names_without_an_anchor_are_settled_without_their_words() {
        let names = defaults();
        for name in [
            "ok",
            "item",
            "changed",
            "ansible_facts",
            "elapsed",
            "id",
            "Plan",
        ] {
            assert!(!names.anchors.found_in(name.as_bytes()), "{name}");
        }
        for name in ["PGPASSWORD", "x-Api-Key", "jwt", "my_token"] {
            assert!(names.anchors.found_in(name.as_bytes()), "{name}");
        }
        let short_term = SecretNames::new(["x"], []);
        assert!(short_term.anchors.found_in(b"anything"));
        assert!(short_term.is_secret(b"x"));
    }

    #[test]
    fn very_long_names_are_cut_without_panicking() {
        let name = "a_".repeat(500) + "password";
        assert!(!defaults().is_secret(name.as_bytes()));
    }
}
