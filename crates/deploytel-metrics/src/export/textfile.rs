//! The registry as a file for node_exporter's textfile collector, replaced whole each time.
//!
//! node_exporter reads every `*.prom` file of its `--collector.textfile.directory` at each
//! scrape. A file it reads while it is being written would be half a scrape, so the text goes
//! to a temporary file in the same directory (whose name does not end in `.prom`), is synced,
//! and is then renamed over the target: a rename within one file system replaces the file in
//! one step.

use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::MetricsError;

/// A textfile target, checked to be a file node_exporter reads.
#[derive(Clone, Debug)]
pub(crate) struct Textfile {
    path: PathBuf,
    temporary: PathBuf,
}

impl Textfile {
    pub(crate) fn new(path: PathBuf) -> Result<Self, MetricsError> {
        let invalid = |reason| MetricsError::InvalidTextfile {
            path: path.clone(),
            reason,
        };
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or_else(|| invalid("the path has no file name"))?;
        if !name.ends_with(".prom") || name == ".prom" {
            return Err(invalid(
                "node_exporter's textfile collector reads only files whose name ends in .prom",
            ));
        }
        let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        Ok(Textfile { path, temporary })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file with `text`, in one step for its readers.
    pub(crate) fn write(&self, text: &str) -> io::Result<()> {
        let written = File::create(&self.temporary).and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            // Without this a crash right after the rename can leave an empty file.
            file.sync_all()
        });
        let renamed = written.and_then(|()| std::fs::rename(&self.temporary, &self.path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&self.temporary);
        }
        renamed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("deploytel-textfile-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn only_files_node_exporter_reads_are_accepted() {
        for bad in ["/var/lib/node/deploytel.txt", "/var/lib/node/", ".prom", ""] {
            let error = Textfile::new(PathBuf::from(bad)).unwrap_err();
            assert!(
                matches!(error, MetricsError::InvalidTextfile { .. }),
                "{bad}: {error}"
            );
        }
        assert!(Textfile::new(PathBuf::from("/var/lib/node/deploytel.prom")).is_ok());
    }

    #[test]
    fn a_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = scratch_dir("replace");
        let file = Textfile::new(dir.join("deploytel.prom")).unwrap();
        file.write("a 1\n").unwrap();
        file.write("a 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(file.path()).unwrap(), "a 2\n");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["deploytel.prom"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let file = Textfile::new(PathBuf::from("/nonexistent-deploytel-dir/x.prom")).unwrap();
        assert!(file.write("a 1\n").is_err());
    }
}
