//! `journal.json`: how the journal's records are chained, written once when it is created,
//! so that a later open with a different key is refused instead of forking the chain.

use std::fs;
use std::path::Path;

use crate::error::AuditError;
use crate::journal::chain::ChainKey;
use crate::journal::segment::sync_dir;

const FILE: &str = "journal.json";
const FORMAT: &str = "deploytel-audit-journal-1";

/// Writes `journal.json` for `key` when the journal is new, or checks that it names `key`.
pub(crate) fn check_or_create(dir: &Path, key: &ChainKey) -> Result<(), AuditError> {
    let path = dir.join(FILE);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let found = chain_of(&text).ok_or_else(|| AuditError::Corrupt {
                path: path.clone(),
                line: 1,
                problem: format!("not a {FORMAT} description"),
            })?;
            if found != key.describe() {
                return Err(AuditError::KeyMismatch {
                    dir: dir.to_path_buf(),
                    found,
                    given: key.describe(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut text = Vec::new();
            let mut members = crate::json::Members::new(&mut text);
            members.string("format", FORMAT);
            members.string("chain", &key.describe());
            let text = [b"{".as_slice(), &text, b"}\n"].concat();
            let temporary = dir.join(format!("{FILE}.new"));
            fs::write(&temporary, text)
                .and_then(|()| fs::File::open(&temporary)?.sync_all())
                .and_then(|()| fs::rename(&temporary, &path))
                .map_err(AuditError::io(&path, "write"))?;
            sync_dir(dir)
        }
        Err(e) => Err(AuditError::io(&path, "read")(e)),
    }
}

/// How the journal in `dir` chains its records, as [`ChainKey::describe`] says it.
pub fn read_chain(dir: &Path) -> Result<String, AuditError> {
    let path = dir.join(FILE);
    let text = fs::read_to_string(&path).map_err(AuditError::io(&path, "read"))?;
    chain_of(&text).ok_or(AuditError::Corrupt {
        path,
        line: 1,
        problem: format!("not a {FORMAT} description"),
    })
}

fn chain_of(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    if value.get("format")?.as_str()? != FORMAT {
        return None;
    }
    Some(value.get("chain")?.as_str()?.to_owned())
}
