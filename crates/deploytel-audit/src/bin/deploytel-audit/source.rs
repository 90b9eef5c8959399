//! Where records are read from: the journal directory, or the PostgreSQL table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use deploytel_audit::journal::JournalReader;
use deploytel_audit::query::{Filter, RecordView};

pub(crate) enum Source {
    Journal(PathBuf),
    #[cfg(feature = "postgres")]
    Postgres(String),
}

impl Source {
    pub(crate) fn from_args(
        dir: Option<PathBuf>,
        postgres: Option<String>,
    ) -> Result<Self, String> {
        match (dir, postgres) {
            (Some(dir), None) => Ok(Source::Journal(dir)),
            #[cfg(feature = "postgres")]
            (None, Some(url)) => Ok(Source::Postgres(url)),
            #[cfg(not(feature = "postgres"))]
            (None, Some(_)) => {
                Err("this build has no PostgreSQL support (feature `postgres`)".into())
            }
            _ => Err("give a journal directory or --postgres URL".into()),
        }
    }

    /// The records that pass `filter`, with their stored documents, in sequence order.
    pub(crate) fn records(&self, filter: &Filter) -> Result<Vec<(RecordView, String)>, String> {
        match self {
            Source::Journal(dir) => {
                let mut reader = JournalReader::open(dir, 1);
                let mut kept = Vec::new();
                while let Some(record) = reader.next_record().map_err(|e| e.to_string())? {
                    let view = RecordView::from_document(record.seq, &record.doc)?;
                    if filter.matches(&view) {
                        kept.push((view, record.doc));
                    }
                }
                Ok(kept)
            }
            #[cfg(feature = "postgres")]
            Source::Postgres(url) => {
                deploytel_audit::postgres::query(url, filter).map_err(|e| e.to_string())
            }
        }
    }
}

/// Prints the last `lines` records, then with `follow` every new one, polling twice a second.
pub(crate) fn tail(
    dir: &Path,
    lines: usize,
    follow: bool,
    mut print: impl FnMut(&[(RecordView, String)]),
) -> Result<(), String> {
    let mut reader = JournalReader::open(dir, 1);
    let mut last = std::collections::VecDeque::with_capacity(lines + 1);
    while let Some(record) = reader.next_record().map_err(|e| e.to_string())? {
        last.push_back((
            RecordView::from_document(record.seq, &record.doc)?,
            record.doc,
        ));
        if last.len() > lines {
            last.pop_front();
        }
    }
    print(last.make_contiguous());
    if !follow {
        return Ok(());
    }
    // Follows until interrupted, like `tail -f`.
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let mut new = Vec::new();
        while let Some(record) = reader.next_record().map_err(|e| e.to_string())? {
            new.push((
                RecordView::from_document(record.seq, &record.doc)?,
                record.doc,
            ));
        }
        if !new.is_empty() {
            print(&new);
        }
    }
}

/// Every hash the PostgreSQL copy at `url` stores, as anchors for `verify`.
#[cfg(feature = "postgres")]
pub(crate) fn postgres_anchors(url: &str) -> Result<Vec<deploytel_audit::verify::Anchor>, String> {
    deploytel_audit::postgres::anchors(url).map_err(|e| e.to_string())
}

#[cfg(not(feature = "postgres"))]
pub(crate) fn postgres_anchors(_url: &str) -> Result<Vec<deploytel_audit::verify::Anchor>, String> {
    Err("this build has no PostgreSQL support (feature `postgres`)".into())
}
