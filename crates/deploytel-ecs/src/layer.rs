//! The layer: spans' fields rendered when recorded, one JSON line per event.

use std::cell::RefCell;
use std::io::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use deploytel_core::Redactor;
use tracing_core::field::Visit;
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::config::Config;
use crate::fields::{Entry, FieldBuf};
use crate::final_names::UserFields;
use crate::layer_id::LayerId;
use crate::name_facts::{FactsCache, KeyFacts};
use crate::recorder::Recorder;
use crate::reserved::ReservedKeys;
use crate::span_fields::{give_buffer, take_buffer, SpanFields};
use crate::timestamp::{self, SecondCache};
use crate::{json, EcsStats};

/// A [`Layer`] that writes each event as one ECS JSON line.
///
/// Build it with [`EcsLayer::builder`]; see the crate documentation for the document it writes
/// and how field names are resolved.
#[derive(Debug)]
pub struct EcsLayer<W = fn() -> io::Stdout> {
    make_writer: W,
    config: Config,
    id: LayerId,
    write_failures: Arc<AtomicU64>,
    #[cfg(feature = "opentelemetry")]
    trace_ids: crate::trace_ids::TraceIds,
}

/// Buffers reused from event to event and span to span on a thread, so that writing a line or
/// recording a span allocates nothing once they have grown to fit. (The spans' own buffers come
/// from the pool in `span_fields`.)
struct Scratch {
    line: Vec<u8>,
    fields: FieldBuf,
    /// A span's fields from one `record` call, before they are merged into the span's.
    update: FieldBuf,
    text: String,
    user: UserFields,
    facts: FactsCache,
    second: SecondCache,
}

impl Scratch {
    const fn new() -> Self {
        Scratch {
            line: Vec::new(),
            fields: FieldBuf::new(),
            update: FieldBuf::new(),
            text: String::new(),
            user: UserFields::new(),
            facts: FactsCache::new(),
            second: SecondCache::new(),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch::new()) };
}

/// Runs `f` with this thread's buffers, or with fresh ones when they are gone (the thread is
/// exiting) or in use (tracing drops events emitted while a subscriber handles another on the
/// same thread, but a layer must not rely on its caller for that).
fn with_scratch(f: impl FnOnce(&mut Scratch)) {
    let mut f = Some(f);
    let _ = SCRATCH.try_with(|cell| {
        if let Ok(mut scratch) = cell.try_borrow_mut() {
            if let Some(f) = f.take() {
                f(&mut scratch);
            }
        }
    });
    if let Some(f) = f {
        f(&mut Scratch::new());
    }
}

impl<W> EcsLayer<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    pub(crate) fn from_config(make_writer: W, config: Config) -> Self {
        EcsLayer {
            make_writer,
            config,
            id: LayerId::next(),
            write_failures: Arc::default(),
            #[cfg(feature = "opentelemetry")]
            trace_ids: crate::trace_ids::TraceIds::default(),
        }
    }

    /// Counters of this layer that stay readable after the layer is moved into a subscriber.
    pub fn stats(&self) -> EcsStats {
        EcsStats {
            write_failures: Arc::clone(&self.write_failures),
        }
    }

    fn key_facts(&self, name: &'static str) -> KeyFacts {
        KeyFacts::work_out(name, &self.config.reserved, &self.config.redactor)
    }

    fn naming(&self) -> (&Redactor, &ReservedKeys) {
        (&self.config.redactor, &self.config.reserved)
    }

    // hot: once per span, and per `record` call
    fn record_span_fields(
        &self,
        scratch: &mut Scratch,
        fields: &mut FieldBuf,
        record: impl FnOnce(&mut dyn Visit),
    ) {
        let Scratch { text, facts, .. } = scratch;
        let cached_facts = |name| facts.get(self.id, name, |name| self.key_facts(name));
        let mut recorder = Recorder::for_span(fields, text, self.naming(), cached_facts);
        record(&mut recorder);
    }

    // hot: once per event
    fn write_event<S>(&self, scratch: &mut Scratch, event: &Event<'_>, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let Scratch {
            line,
            fields,
            text,
            user,
            facts,
            second,
            ..
        } = scratch;
        let config = &self.config;
        let meta = event.metadata();

        fields.clear();
        let mut message: Option<Entry> = None;
        let cached_facts = |name| facts.get(self.id, name, |name| self.key_facts(name));
        let mut recorder =
            Recorder::for_event(fields, text, self.naming(), cached_facts, &mut message);
        event.record(&mut recorder);
        if let Some(document) = recorder.child_document() {
            line.clear();
            line.extend_from_slice(document.as_bytes());
            line.push(b'\n');
            self.emit(line, meta);
            return;
        }
        let mut event_span = None;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if event_span.is_none() {
                    event_span = Some(span.id());
                }
                let extensions = span.extensions();
                if let Some(span_fields) = extensions
                    .get::<SpanFields>()
                    .and_then(|all| all.get(self.id))
                {
                    fields.extend_from(span_fields);
                }
            }
        }
        user.resolve_for(self.id, fields, &config.reserved);

        line.clear();
        line.extend_from_slice(b"{\"@timestamp\":\"");
        timestamp::write(line, SystemTime::now(), config.precision, second);
        line.extend_from_slice(b"\",\"log.level\":\"");
        line.extend_from_slice(level_name(meta.level()));
        line.push(b'"');
        if let Some(message) = &message {
            line.extend_from_slice(b",\"message\":");
            line.extend_from_slice(fields.value(message));
        }
        line.extend_from_slice(&config.after_message);
        json::string(line, meta.target());
        line.extend_from_slice(&config.static_fields);
        if config.origin {
            if let Some(file) = meta.file() {
                line.extend_from_slice(b",\"log.origin.file.name\":");
                json::string(line, file);
            }
            if let Some(number) = meta.line() {
                line.extend_from_slice(b",\"log.origin.file.line\":");
                json::unsigned(line, u64::from(number));
            }
        }
        #[cfg(feature = "opentelemetry")]
        self.trace_ids.write(line, event_span.as_ref());
        user.write(line, fields);
        line.extend_from_slice(b"}\n");
        self.emit(line, meta);
    }

    fn emit(&self, line: &[u8], meta: &tracing_core::Metadata<'_>) {
        let mut writer = self.make_writer.make_writer_for(meta);
        if writer.write_all(line).is_err() {
            self.write_failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn level_name(level: &Level) -> &'static [u8] {
    match *level {
        Level::TRACE => b"trace",
        Level::DEBUG => b"debug",
        Level::INFO => b"info",
        Level::WARN => b"warn",
        Level::ERROR => b"error",
    }
}

impl<S, W> Layer<S> for EcsLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    #[cfg(feature = "opentelemetry")]
    fn on_register_dispatch(&self, subscriber: &tracing_core::Dispatch) {
        self.trace_ids.register(subscriber);
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = take_buffer();
        with_scratch(|scratch| {
            self.record_span_fields(scratch, &mut fields, |recorder| attrs.record(recorder))
        });
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(all) => all.add(self.id, fields),
            None => extensions.insert(SpanFields::new(self.id, fields)),
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        with_scratch(|scratch| {
            let mut update = std::mem::take(&mut scratch.update);
            update.clear();
            self.record_span_fields(scratch, &mut update, |recorder| values.record(recorder));
            let mut extensions = span.extensions_mut();
            match extensions.get_mut::<SpanFields>() {
                Some(all) => match all.get_mut(self.id) {
                    Some(existing) => {
                        let mut spare = take_buffer();
                        existing.merge(&update, &mut spare);
                        give_buffer(spare);
                    }
                    None => all.add(self.id, std::mem::take(&mut update)),
                },
                None => extensions.insert(SpanFields::new(self.id, std::mem::take(&mut update))),
            }
            scratch.update = update;
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        with_scratch(|scratch| self.write_event(scratch, event, &ctx));
    }
}
