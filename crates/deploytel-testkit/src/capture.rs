//! A writer that keeps what a layer wrote, one entry per `write` call.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

/// Collects the bytes of every `write` call; clones share the collection.
#[derive(Clone, Debug, Default)]
pub struct Capture {
    writes: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Capture {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// Each `write` call's bytes, in order.
    pub fn writes(&self) -> Vec<Vec<u8>> {
        self.writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Everything written, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.writes().concat()).expect("the layer wrote invalid UTF-8")
    }
}

/// The writer [`Capture`] hands out.
#[derive(Debug)]
pub struct CaptureWriter {
    writes: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl io::Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = CaptureWriter;

    fn make_writer(&'a self) -> CaptureWriter {
        CaptureWriter {
            writes: Arc::clone(&self.writes),
        }
    }
}
