//! `error.type` for an error recorded as `&dyn Error`, whose concrete type Rust cannot name.
//!
//! Two rules, in order:
//!
//! 1. the standard library's common error types are recognised by downcasting, and named by
//!    their full path (`std::io::Error`);
//! 2. otherwise the name the error's `Debug` output starts with, with any module path trimmed:
//!    a struct's name (`ConfigError { .. }` → `ConfigError`), or an enum's variant
//!    (`Timeout(5s)` → `Timeout`), which is as good a class for grouping errors. The name must
//!    look like a Rust type (an ASCII upper-case letter, then letters, digits and `_`) and be
//!    followed by nothing, `(` or ` {`; a `Debug` that prints a sentence (anyhow's does)
//!    gives no type.

use std::error::Error;
use std::fmt::{self, Write as _};

/// The longest type name taken from `Debug` output; longer ones are not names a person chose.
const MAX_NAME: usize = 64;

/// The class of `error`, written into `scratch` when it comes from the `Debug` output.
pub(crate) fn error_type<'s>(
    error: &(dyn Error + 'static),
    scratch: &'s mut String,
) -> Option<&'s str> {
    if let Some(name) = standard_type(error) {
        scratch.clear();
        scratch.push_str(name);
        return Some(scratch);
    }
    scratch.clear();
    // Stops the `Debug` impl once enough is written: the value may be large.
    let _ = write!(
        Bounded {
            out: scratch,
            left: MAX_NAME * 2 + 2
        },
        "{error:?}"
    );
    type_name_of_debug(scratch)
}

fn standard_type(error: &(dyn Error + 'static)) -> Option<&'static str> {
    macro_rules! first_match {
        ($($ty:ty => $name:literal),* $(,)?) => {
            $(if error.is::<$ty>() { return Some($name); })*
        };
    }
    first_match! {
        std::io::Error => "std::io::Error",
        std::num::ParseIntError => "std::num::ParseIntError",
        std::num::ParseFloatError => "std::num::ParseFloatError",
        std::num::TryFromIntError => "std::num::TryFromIntError",
        std::str::Utf8Error => "std::str::Utf8Error",
        std::string::FromUtf8Error => "std::string::FromUtf8Error",
        std::str::ParseBoolError => "std::str::ParseBoolError",
        std::net::AddrParseError => "std::net::AddrParseError",
        std::time::SystemTimeError => "std::time::SystemTimeError",
        std::fmt::Error => "std::fmt::Error",
    }
    None
}

/// The type name `debug` starts with, by rule 2 of the module docs.
fn type_name_of_debug(debug: &str) -> Option<&str> {
    let path_end = debug
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(debug.len());
    let rest = &debug[path_end..];
    if !(rest.is_empty() || rest.starts_with('(') || rest.starts_with(" {")) {
        return None;
    }
    let name = debug[..path_end].rsplit("::").next()?;
    let mut chars = name.chars();
    let starts_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    (starts_upper && name.len() <= MAX_NAME && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

/// A writer that accepts `left` more bytes, then fails, which ends the formatting.
struct Bounded<'a> {
    out: &'a mut String,
    left: usize,
}

impl fmt::Write for Bounded<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.len() > self.left {
            let mut cut = self.left;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.push_str(&s[..cut]);
            self.left = 0;
            return Err(fmt::Error);
        }
        self.out.push_str(s);
        self.left -= s.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct ConfigError {
        #[allow(dead_code)]
        key: String,
    }

    #[derive(Debug)]
    enum DeployError {
        Timeout(#[allow(dead_code)] u64),
    }

    impl fmt::Display for ConfigError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("bad config")
        }
    }
    impl Error for ConfigError {}
    impl fmt::Display for DeployError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("timed out")
        }
    }
    impl Error for DeployError {}

    fn type_of(error: &(dyn Error + 'static)) -> Option<String> {
        error_type(error, &mut String::new()).map(str::to_owned)
    }

    #[test]
    fn standard_errors_are_named_by_their_path() {
        let io = std::io::Error::other("disk full");
        assert_eq!(type_of(&io).as_deref(), Some("std::io::Error"));
        let parse = "x".parse::<u8>().unwrap_err();
        assert_eq!(type_of(&parse).as_deref(), Some("std::num::ParseIntError"));
    }

    #[test]
    fn other_errors_are_named_by_what_their_debug_starts_with() {
        let config = ConfigError {
            key: "a".repeat(1000),
        };
        assert_eq!(type_of(&config).as_deref(), Some("ConfigError"));
        assert_eq!(
            type_of(&DeployError::Timeout(5)).as_deref(),
            Some("Timeout")
        );
    }

    #[test]
    fn debug_output_that_is_not_a_type_name_gives_none() {
        for debug in [
            "connection refused",
            "Connection refused",
            "",
            "{}",
            "Some::path::",
            "Ünicode(1)",
        ] {
            assert_eq!(type_name_of_debug(debug), None, "{debug}");
        }
        assert_eq!(
            type_name_of_debug("my_crate::Error { x: 1 }"),
            Some("Error")
        );
        assert_eq!(type_name_of_debug("Unit"), Some("Unit"));
    }
}
