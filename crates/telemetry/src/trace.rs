//! The OpenTelemetry side of the spans, without an SDK tracer in the way: the span layer
//! ([`crate::layer::TelemetryLayer`]) keeps, through [`Tracer`] and [`OtelSpan`], what a traced
//! `tracing` span needs to become an OTLP span (its ids, decided once; its field
//! values by field index, text in one buffer; its events) and queues a finished, sampled span
//! for the export thread as OTLP protobuf ([`OtelSpan::write`], [`crate::wire`]), written where
//! it ends, while its data is in that core's cache.
//!
//! It replaces tracing-opentelemetry, which builds an SDK span for every tracing span through
//! a `SpanBuilder`, an `Arc<Mutex<…>>` per span and an OpenTelemetry `Context` per parent,
//! and runs the sampler through that `Context` (one timed call took 52,424 instructions with
//! it and 40,614 with the first version of this module: BENCHMARKS.md, "The fourth pass").
//! What it did that the service uses is here: `otel.name`, `otel.kind`, `otel.status_code`
//! and `otel.status_description`; parents from the span tree; a remote parent from
//! `traceparent` ([`set_remote_parent`]); the span's ids for the logs and the response
//! ([`trace_id`]); attributes that a field cannot carry ([`set_attribute`]); events as span
//! events, an ERROR event marking the span as failed; the end at the span's last exit; the
//! standard samplers. Not kept: the attributes it added to every span beyond its fields
//! (`code.file.path`, `code.module.name`, `code.line.number`, `target`, `thread.id`,
//! `thread.name`). The four callsite ones cost 5,500 instructions per span on the export
//! thread (BENCHMARKS.md), CONTRACT §5 asks for none of them, and a span's `operation`
//! already names the code it times.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{
    Event as OtelEvent, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{InstrumentationScope, Key, KeyValue, Value};
use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
#[cfg(test)]
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata};
use tracing_subscriber::Registry;
use tracing_subscriber::registry::LookupSpan as _;

use crate::layer::{SpanRecord, TelemetryLayer};
use crate::otlp::{CountingBatchProcessor, SamplerSpec};
use crate::wire::Writer;

/// The most attributes and events one span keeps, as the SDK's default span limits; what is
/// over is counted in the exported span.
const MAX_ATTRIBUTES: usize = 128;
const MAX_EVENTS: usize = 128;

/// What the span layer ([`crate::layer::TelemetryLayer`]) needs to trace: where finished spans go,
/// the sampler, the ids.
pub struct Tracer {
    /// `None`: nothing is exported (ids are still given, for the logs).
    processor: Option<Arc<CountingBatchProcessor>>,
    sampler: SamplerSpec,
    ids: RandomIdGenerator,
}

/// The instrumentation scope of every exported span.
pub(crate) fn scope() -> InstrumentationScope {
    InstrumentationScope::builder("todo-chatbot").build()
}

impl Tracer {
    pub(crate) fn new(
        processor: Option<Arc<CountingBatchProcessor>>,
        sampler: SamplerSpec,
    ) -> Self {
        Self {
            processor,
            sampler,
            ids: RandomIdGenerator::default(),
        }
    }

    /// Whether a span with this parent and trace id is sampled.
    fn sampled(&self, parent: Option<TraceFlags>, trace_id: TraceId) -> bool {
        let ratio = |r: f64| {
            // As the SDK's `TraceIdRatioBased`: the trace id's lower 63 bits against the ratio.
            if r >= 1.0 {
                return true;
            }
            let bytes = trace_id.to_bytes();
            let low = u64::from_be_bytes([
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14],
                bytes[15],
            ]);
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "the SDK's own computation: a ratio in 0..1 times 2^63"
            )]
            let bound = (r.max(0.0) * (1u64 << 63) as f64) as u64;
            (low >> 1) < bound
        };
        match (self.sampler, parent) {
            (SamplerSpec::AlwaysOn, _) => true,
            (SamplerSpec::AlwaysOff, _) => false,
            (SamplerSpec::Ratio(r), _) => ratio(r),
            (
                SamplerSpec::ParentBasedAlwaysOn
                | SamplerSpec::ParentBasedAlwaysOff
                | SamplerSpec::ParentBasedRatio(_),
                Some(flags),
            ) => flags.is_sampled(),
            (SamplerSpec::ParentBasedAlwaysOn, None) => true,
            (SamplerSpec::ParentBasedAlwaysOff, None) => false,
            (SamplerSpec::ParentBasedRatio(r), None) => ratio(r),
        }
    }

    fn recording(&self, sampled: bool) -> bool {
        sampled && self.processor.is_some()
    }
}

/// Nanoseconds since the Unix epoch, 0 before it (as opentelemetry-proto's transform).
fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Appends `value` to a span's text buffer and returns where it is; `None` (and nothing
/// appended) past 4 GiB of text.
pub(crate) fn append(text: &mut String, value: &str) -> Option<(u32, u32)> {
    let start = u32::try_from(text.len()).ok()?;
    let end = u32::try_from(text.len() + value.len()).ok()?;
    text.push_str(value);
    Some((start, end))
}

/// A field's value as recorded, by the field's index in its span's field set: text lives in
/// the span's one buffer. Written as a `KeyValue` only when the span is queued for export.
#[derive(Debug, Clone, Copy, Default)]
enum FieldValue {
    #[default]
    Unset,
    /// A byte range of `OtelSpan::text`.
    Str(u32, u32),
    I64(i64),
    F64(f64),
    Bool(bool),
}

/// What the layer keeps about a traced span; written into the export queue when it ends.
#[derive(Debug)]
pub(crate) struct OtelSpan {
    trace_id: TraceId,
    span_id: SpanId,
    flags: TraceFlags,
    trace_state: TraceState,
    /// `SpanId::INVALID` for a root span.
    parent_span_id: SpanId,
    parent_remote: bool,
    /// The ids were handed out (to a child, a log line or a caller): a remote parent can no
    /// longer be set.
    seen: bool,
    /// Attributes and events are kept: the span is exported if sampled (a root span is
    /// recording until a remote parent says it is not sampled).
    recording: bool,
    meta: &'static Metadata<'static>,
    /// `otel.name`, when `named` (the buffer is kept for the span's next use: see [`spare`]).
    name: String,
    named: bool,
    kind: SpanKind,
    status: Status,
    /// When the span began, since the Unix epoch (zero before it); `None` when the tracer
    /// exports nothing (the clock is then not read). Worked out once on the request's thread,
    /// where the span's log line needs it too ([`OtelSpan::ended_at`]).
    start: Option<Duration>,
    /// How long after `start` the span ended (`None`: it has not; it is written as ending at
    /// its start). Kept as a duration, not an end time: the export adds it to `start` rather
    /// than working out another time since the epoch (~100 instructions each).
    lasted: Option<Duration>,
    /// By field index, with the field's name (`otel.*` fields stay unset: they steer the span
    /// instead). The name is kept with the value so that the export reads each attribute's
    /// key from here rather than walking the callsite's field set (~50 instructions a span).
    values: Vec<(&'static str, FieldValue)>,
    text: String,
    /// Attributes no field can carry ([`set_attribute`]).
    extra: Vec<KeyValue>,
    events: Vec<OtelEvent>,
    dropped_events: u32,
}

impl OtelSpan {
    /// Whether the span keeps attributes and events (it may be exported).
    pub(crate) fn recording(&self) -> bool {
        self.recording
    }

    /// Adds a span event; an ERROR event marks the span as failed.
    pub(crate) fn add_event(&mut self, level: Level, event: OtelEvent) {
        if !self.recording {
            return;
        }
        if level == Level::ERROR && matches!(self.status, Status::Unset) {
            self.status = Status::error("");
        }
        if self.events.len() >= MAX_EVENTS {
            self.dropped_events += 1;
            return;
        }
        self.events.push(event);
    }

    /// The span's name: its `otel.name`, or its callsite's.
    fn name(&self) -> &str {
        if self.named {
            &self.name
        } else {
            self.meta.name()
        }
    }

    fn set_name(&mut self, name: &str) {
        self.name.clear();
        self.name.push_str(name);
        self.named = true;
    }

    /// The span made ready to wait in the spares ([`keep_spare`]): what is large or holds
    /// allocations of its own is let go here; the ids and the rest are overwritten when it is
    /// reused.
    fn tidy(&mut self) {
        if self.text.capacity() > SPARE_TEXT_MAX {
            self.text = String::new();
        }
        if self.name.capacity() > SPARE_TEXT_MAX {
            self.name = String::new();
        }
        if self.values.capacity() > MAX_ATTRIBUTES {
            self.values = Vec::new();
        }
        self.extra = Vec::new();
        self.events = Vec::new();
        self.trace_state = TraceState::NONE;
        self.status = Status::Unset;
    }

    /// When a span that began at `start` and lasted `duration` ended, since the Unix epoch;
    /// `None` when the tracer exports nothing.
    pub(crate) fn ended_at(&self, duration: Duration) -> Option<Duration> {
        self.start.map(|start| start + duration)
    }

    /// The span's trace and span id, from now on fixed.
    pub(crate) fn ids(&mut self) -> ([u8; 16], [u8; 8]) {
        self.seen = true;
        (self.trace_id.to_bytes(), self.span_id.to_bytes())
    }

    fn set(&mut self, field: &Field, value: FieldValue) {
        if let Some(slot) = self.values.get_mut(field.index()) {
            *slot = (field.name(), value);
        }
    }

    /// Appends `value` to the span's own text and sets it (the layer's spans share their
    /// record's text instead: [`SpanFields`]).
    #[cfg(test)]
    fn set_str(&mut self, field: &Field, value: &str) {
        if let Some((start, end)) = append(&mut self.text, value) {
            self.set(field, FieldValue::Str(start, end));
        }
    }

    /// The span's text buffer, empty, for the layer's record of the span to keep every string
    /// value in while the span is open ([`SpanFields`]): a value the record keeps too is then
    /// copied once, not twice. Given back by [`OtelSpan::put_text`] when the span closes.
    pub(crate) fn take_text(&mut self) -> String {
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        text
    }

    /// When the span began, since the Unix epoch (`None` when the tracer exports nothing).
    pub(crate) fn began(&self) -> Option<Duration> {
        self.start
    }

    /// The text the span's string values were recorded into ([`OtelSpan::take_text`]).
    pub(crate) fn put_text(&mut self, text: String) {
        self.text = text;
    }

    /// Writes the span as an OTLP `Span` message of a `ScopeSpans` (its field 2, key and length
    /// included) into `w`, for a [`Batch`] to take ([`Batch::extend`]): the same message
    /// opentelemetry-proto makes of [`OtelSpan::into_span_data`]'s `SpanData`, without either
    /// copy (the tests hold the two equal).
    pub(crate) fn write(&self, w: &mut Writer) {
        w.span(|w| self.write_fields(w));
    }

    fn write_fields(&self, w: &mut Writer) {
        w.array(1, &self.trace_id.to_bytes());
        w.array(2, &self.span_id.to_bytes());
        if self.trace_state != TraceState::NONE {
            w.bytes(3, self.trace_state.header().as_bytes());
        }
        if self.parent_span_id != SpanId::INVALID {
            w.array(4, &self.parent_span_id.to_bytes());
        }
        w.bytes(5, self.name().as_bytes());
        w.uint(
            6,
            match self.kind {
                SpanKind::Internal => 1,
                SpanKind::Server => 2,
                SpanKind::Client => 3,
                SpanKind::Producer => 4,
                SpanKind::Consumer => 5,
            },
        );
        let start = u64::try_from(self.start.unwrap_or_default().as_nanos()).unwrap_or(u64::MAX);
        w.fixed64(7, start);
        let lasted = self.lasted.unwrap_or_default().as_nanos();
        w.fixed64(
            8,
            start.saturating_add(u64::try_from(lasted).unwrap_or(u64::MAX)),
        );
        // Attributes: the set fields by index, then the extra ones, at most MAX_ATTRIBUTES.
        let mut written = 0usize;
        let mut all = 0usize;
        for &(key, value) in &self.values {
            if matches!(value, FieldValue::Unset) {
                continue;
            }
            all += 1;
            if written == MAX_ATTRIBUTES {
                continue;
            }
            written += 1;
            match value {
                FieldValue::Unset => {}
                // As bytes: the range is where the text was appended, no boundary to check.
                FieldValue::Str(start, end) => w.key_str(
                    9,
                    key,
                    self.text
                        .as_bytes()
                        .get(start as usize..end as usize)
                        .unwrap_or_default(),
                ),
                FieldValue::I64(v) => w.key_i64(9, key, v),
                FieldValue::F64(v) => w.key_f64(9, key, v),
                FieldValue::Bool(v) => w.key_bool(9, key, v),
            }
        }
        all += self.extra.len();
        let room = MAX_ATTRIBUTES - written;
        w.attributes(9, &self.extra[..self.extra.len().min(room)]);
        w.uint(
            10,
            u64::try_from(all.saturating_sub(MAX_ATTRIBUTES)).unwrap_or(u64::MAX),
        );
        for event in &self.events {
            // Event { fixed64 time_unix_nano = 1; string name = 2;
            //         repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4 }
            let nested = w.begin(11);
            w.fixed64(1, unix_nanos(event.timestamp));
            w.bytes(2, event.name.as_bytes());
            w.attributes(3, &event.attributes);
            w.uint(4, u64::from(event.dropped_attributes_count));
            w.end(nested);
        }
        w.uint(12, u64::from(self.dropped_events));
        // Status { string message = 2; StatusCode code = 3 }, always present: for the usual
        // ones, as constant bytes (field 15, its length, the code's field and value).
        match &self.status {
            Status::Unset => w.raw(&[0x7A, 0]),
            Status::Ok => w.raw(&[0x7A, 2, 0x18, 1]),
            Status::Error { description } if description.is_empty() => {
                w.raw(&[0x7A, 2, 0x18, 2]);
            }
            Status::Error { description } => {
                let status = w.begin(15);
                w.bytes(2, description.as_bytes());
                w.uint(3, 2);
                w.end(status);
            }
        }
        // The trace flags, and that the parent's remoteness is known (and whether it is).
        let flags =
            u32::from(self.flags.to_u8()) | 0x100 | if self.parent_remote { 0x200 } else { 0 };
        w.fixed32(16, flags);
    }

    /// The span as the SDK's exporter takes it: here the attributes become `KeyValue`s. Kept
    /// for the tests, which hold [`OtelSpan::write`] to what opentelemetry-proto makes of it.
    #[cfg(test)]
    pub(crate) fn into_span_data(self, scope: &InstrumentationScope) -> SpanData {
        let mut attributes = Vec::with_capacity(self.values.len() + self.extra.len());
        // Keys from the callsite's field set, not the names kept with the values: the tests
        // hold those to these.
        for (field, (_, value)) in self.meta.fields().iter().zip(&self.values) {
            let key = Key::from_static_str(field.name());
            let value = match *value {
                FieldValue::Unset => continue,
                FieldValue::Str(start, end) => Value::from(
                    self.text
                        .get(start as usize..end as usize)
                        .unwrap_or_default()
                        .to_owned(),
                ),
                FieldValue::I64(v) => Value::I64(v),
                FieldValue::F64(v) => Value::F64(v),
                FieldValue::Bool(v) => Value::Bool(v),
            };
            attributes.push(KeyValue::new(key, value));
        }
        attributes.extend(self.extra);
        let dropped_attributes_count =
            u32::try_from(attributes.len().saturating_sub(MAX_ATTRIBUTES)).unwrap_or(u32::MAX);
        attributes.truncate(MAX_ATTRIBUTES);
        let mut events = SpanEvents::default();
        events.events = self.events;
        events.dropped_count = self.dropped_events;
        SpanData {
            span_context: SpanContext::new(
                self.trace_id,
                self.span_id,
                self.flags,
                false,
                self.trace_state,
            ),
            parent_span_id: self.parent_span_id,
            parent_span_is_remote: self.parent_remote,
            span_kind: self.kind,
            name: if self.named {
                Cow::Owned(self.name)
            } else {
                Cow::Borrowed(self.meta.name())
            },
            start_time: UNIX_EPOCH + self.start.unwrap_or_default(),
            end_time: UNIX_EPOCH + self.start.unwrap_or_default() + self.lasted.unwrap_or_default(),
            attributes,
            dropped_attributes_count,
            events,
            links: SpanLinks::default(),
            status: self.status,
            instrumentation_scope: scope.clone(),
        }
    }
}

/// Reads a span's fields: the `otel.*` ones steer the span, the rest are kept by index, their
/// text in `text`, the buffer the layer's record of the span shares with it (see
/// [`OtelSpan::take_text`]).
pub(crate) struct SpanFields<'a> {
    pub(crate) span: &'a mut OtelSpan,
    pub(crate) text: &'a mut String,
}

/// An `otel.*` field of a span: it steers the OTLP span (its name, kind or status) and is not
/// one of its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    Name,
    Kind,
    StatusCode,
    StatusDescription,
}

impl Special {
    /// The `otel.*` field named `name`, if it is one.
    pub(crate) fn of(name: &str) -> Option<Self> {
        match name {
            "otel.name" => Some(Self::Name),
            "otel.kind" => Some(Self::Kind),
            "otel.status_code" => Some(Self::StatusCode),
            "otel.status_description" => Some(Self::StatusDescription),
            _ => None,
        }
    }
}

impl SpanFields<'_> {
    fn special(&mut self, special: Special, value: &str) {
        match special {
            Special::Name => self.span.set_name(value),
            Special::Kind => {
                self.span.kind = match value {
                    "server" => SpanKind::Server,
                    "client" => SpanKind::Client,
                    "producer" => SpanKind::Producer,
                    "consumer" => SpanKind::Consumer,
                    _ => SpanKind::Internal,
                };
            }
            Special::StatusCode => {
                self.span.status = match value {
                    "ERROR" | "error" => match &self.span.status {
                        Status::Error { .. } => return,
                        _ => Status::error(""),
                    },
                    "OK" | "ok" => Status::Ok,
                    _ => Status::Unset,
                };
            }
            Special::StatusDescription => {
                self.span.status = Status::error(value.to_owned());
            }
        }
    }

    /// A string value of `field`, which is the `otel.*` field `special` or, for `None`, an
    /// attribute (the caller knows which: [`crate::layer`] finds it once per callsite).
    /// `known`: where the caller has already appended `value` to the text.
    pub(crate) fn str(
        &mut self,
        field: &Field,
        special: Option<Special>,
        value: &str,
        known: Option<(u32, u32)>,
    ) {
        match special {
            Some(special) => self.special(special, value),
            None if self.span.recording => {
                if let Some((start, end)) = known.or_else(|| append(self.text, value)) {
                    self.span.set(field, FieldValue::Str(start, end));
                }
            }
            None => {}
        }
    }
}

impl Visit for SpanFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.str(field, Special::of(field.name()), value, None);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `%display` values arrive here (`otel.name` is one); the span layer formats them
        // itself, once for the record and this.
        self.record_str(field, &format!("{value:?}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.span.recording {
            self.span.set(field, FieldValue::I64(value));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(v) => self.record_i64(field, v),
            Err(_) => self.record_str(field, &value.to_string()),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.span.recording {
            self.span.set(field, FieldValue::F64(value));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.span.recording {
            self.span.set(field, FieldValue::Bool(value));
        }
    }
}

/// Reads an event's fields into a span event: `message` names it.
struct EventFields {
    name: Option<String>,
    attributes: Vec<KeyValue>,
}

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.name = Some(value.to_owned());
        } else {
            self.attributes.push(KeyValue::new(
                Key::from_static_str(field.name()),
                value.to_owned(),
            ));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.attributes
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(v) => self.record_i64(field, v),
            Err(_) => self.record_str(field, &value.to_string()),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.attributes
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.attributes
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }
}

impl Tracer {
    /// Whether finished spans go anywhere (a span's start time is then needed).
    pub(crate) fn exports(&self) -> bool {
        self.processor.is_some()
    }

    /// The OTLP span of a new traced span under `parent` (the nearest traced ancestor, whose
    /// ids are from now on fixed), begun at `start` (not read when the tracer exports
    /// nothing: [`Tracer::exports`]); its fields are recorded by the caller ([`SpanFields`]).
    pub(crate) fn start(
        &self,
        meta: &'static Metadata<'static>,
        parent: Option<&mut OtelSpan>,
        start: SystemTime,
    ) -> Box<OtelSpan> {
        let (trace_id, parent_span_id, flags, trace_state) = match parent {
            Some(parent) => {
                parent.seen = true;
                (
                    parent.trace_id,
                    parent.span_id,
                    Some(parent.flags),
                    parent.trace_state.clone(),
                )
            }
            None => (
                self.ids.new_trace_id(),
                SpanId::INVALID,
                None,
                TraceState::NONE,
            ),
        };
        let sampled = self.sampled(flags, trace_id);
        // A root span keeps its attributes even when not sampled: a remote parent set before
        // its first entry may still make it sampled.
        let recording = self.processor.is_some() && (sampled || flags.is_none());
        // Boxed: the span record moves a pointer instead of the span (~300 bytes). The box and
        // its buffers are those of a span this thread finished, when it kept one ([`spare`]).
        let mut reused = spare();
        let (mut values, mut text, mut name) = match reused.as_deref_mut() {
            Some(old) => (
                std::mem::take(&mut old.values),
                std::mem::take(&mut old.text),
                std::mem::take(&mut old.name),
            ),
            None => (Vec::new(), String::new(), String::new()),
        };
        values.clear();
        text.clear();
        name.clear();
        if recording {
            values.resize(meta.fields().len(), ("", FieldValue::Unset));
        }
        let span = OtelSpan {
            trace_id,
            span_id: self.ids.new_span_id(),
            flags: TraceFlags::default().with_sampled(sampled),
            trace_state,
            parent_span_id,
            parent_remote: false,
            seen: false,
            recording,
            meta,
            name,
            named: false,
            kind: SpanKind::Internal,
            status: Status::Unset,
            start: self
                .exports()
                .then(|| start.duration_since(UNIX_EPOCH).unwrap_or_default()),
            lasted: None,
            values,
            text,
            extra: Vec::new(),
            events: Vec::new(),
            dropped_events: 0,
        };
        match reused {
            Some(mut boxed) => {
                *boxed = span;
                boxed
            }
            None => Box::new(span),
        }
    }

    /// `event` as a span event (its message names it; its fields, level and target are its
    /// attributes). Call it without holding a span's lock: formatting a field may log.
    pub(crate) fn event(event: &Event<'_>) -> OtelEvent {
        let meta = event.metadata();
        let mut fields = EventFields {
            name: None,
            attributes: vec![
                KeyValue::new(Key::from_static_str("level"), meta.level().as_str()),
                KeyValue::new(Key::from_static_str("target"), meta.target()),
            ],
        };
        event.record(&mut fields);
        let name = fields.name.map_or(Cow::Borrowed(meta.name()), Cow::Owned);
        OtelEvent::new(name, SystemTime::now(), fields.attributes, 0)
    }

    /// Queues the closed span for export, when it is sampled. `duration` is the operation's,
    /// from its start to its last exit, as its log line and histograms report it: the exported
    /// span ends that long after its start, so that the two never disagree (a second reading
    /// of the wall clock at the close differed from it by the time between the readings,
    /// over a millisecond when the thread was preempted there).
    pub(crate) fn finish(&self, mut otel: Box<OtelSpan>, duration: Duration) {
        if !(otel.recording && otel.flags.is_sampled()) {
            keep_spare(otel);
            return;
        }
        if let Some(processor) = &self.processor {
            otel.lasted = Some(duration);
            processor.send(otel);
        }
    }
}

/// Spans by their boxes, kept for reuse (an allocation kept, a pointer moved instead of ~300
/// bytes).
type Spans = Vec<Box<OtelSpan>>;

/// Spans' boxes and buffers for reuse, on the thread that finished them: a span is written into
/// the export queue's bytes where it ends ([`crate::otlp::CountingBatchProcessor::send`]) and
/// kept by that thread for its next one, so that its memory stays in that core's cache. (An
/// exported span used to go to the export thread and back through a shared pool: each side then
/// read the other's cache lines, a span at a time; BENCHMARKS.md, "The twenty-fourth pass".) A
/// thread keeps at most [`SPARES_MAX`], each holding at most [`SPARE_TEXT_MAX`] bytes of text
/// and as many of name.
const SPARES_MAX: usize = 64;
const SPARE_TEXT_MAX: usize = 1024;

thread_local! {
    static LOCAL_SPARES: RefCell<Spans> = const { RefCell::new(Vec::new()) };
}

/// A span to reuse, when there is one (its contents are the caller's to overwrite).
fn spare() -> Option<Box<OtelSpan>> {
    LOCAL_SPARES
        .try_with(|local| local.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
}

/// Keeps a finished span (exported or not) for the thread's next one.
pub(crate) fn keep_spare(mut span: Box<OtelSpan>) {
    span.tidy();
    let _ = LOCAL_SPARES.try_with(|local| {
        if let Ok(mut local) = local.try_borrow_mut()
            && local.len() < SPARES_MAX
        {
            local.push(span);
        }
    });
}

/// Runs `f` on the tracer and the `OtelSpan` of `span`, where the span is traced.
fn with_otel<T>(span: &tracing::Span, f: impl FnOnce(&Tracer, &mut OtelSpan) -> T) -> Option<T> {
    span.with_subscriber(|(id, dispatch)| {
        let layer = dispatch.downcast_ref::<TelemetryLayer>()?;
        let registry = dispatch.downcast_ref::<Registry>()?;
        let data = registry.span(id)?;
        let mut ext = data.extensions_mut();
        let otel = ext.get_mut::<SpanRecord>()?.otel.as_deref_mut()?;
        Some(f(layer.tracer(), otel))
    })
    .flatten()
}

/// Continues the remote trace `parent` (from an incoming `traceparent`) in `span`, a root
/// span whose ids nobody has seen yet: it takes the parent's trace id, and the sampler decides
/// again with the parent's flags. Returns whether it did.
pub fn set_remote_parent(span: &tracing::Span, parent: &SpanContext) -> bool {
    if !parent.is_valid() {
        return false;
    }
    with_otel(span, |layer, otel| {
        if otel.seen || otel.parent_span_id != SpanId::INVALID {
            return false;
        }
        let sampled = layer.sampled(Some(parent.trace_flags()), parent.trace_id());
        otel.trace_id = parent.trace_id();
        otel.parent_span_id = parent.span_id();
        otel.parent_remote = true;
        otel.trace_state = parent.trace_state().clone();
        otel.flags = parent.trace_flags().with_sampled(sampled);
        let recording = layer.recording(sampled);
        if !recording {
            otel.values.clear();
            otel.text.clear();
            otel.extra.clear();
            otel.events.clear();
        }
        otel.recording = recording;
        true
    })
    .unwrap_or(false)
}

/// The trace id of `span` when it is traced; from now on fixed.
#[must_use]
pub fn trace_id(span: &tracing::Span) -> Option<TraceId> {
    with_otel(span, |_, otel| {
        otel.seen = true;
        otel.trace_id
    })
}

/// The trace id of `span` when it is traced, as 32 lowercase hex digits (what its `Display`
/// writes, ~6 times cheaper than formatting it); from now on fixed.
#[must_use]
pub fn trace_id_hex(span: &tracing::Span) -> Option<String> {
    trace_id(span).map(|id| crate::layer::hex32(&id.to_bytes()))
}

/// Sets an attribute that a `tracing` field cannot carry (an array) on `span`'s OTLP span.
pub fn set_attribute(span: &tracing::Span, key: &'static str, value: Value) {
    with_otel(span, |_, otel| {
        if otel.recording {
            if let Some(old) = otel.extra.iter_mut().find(|kv| kv.key.as_str() == key) {
                old.value = value;
            } else {
                otel.extra
                    .push(KeyValue::new(Key::from_static_str(key), value));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::OtlpSettings;
    use crate::wire::Batch;
    use opentelemetry::trace::SpanKind as Kind;
    use opentelemetry_sdk::trace::{Sampler, SamplingDecision, ShouldSample as _};
    use std::sync::atomic::Ordering;

    /// The ratio samplers decide as the SDK's do, trace id by trace id.
    #[test]
    fn ratio_sampling_agrees_with_the_sdk() {
        let ids = RandomIdGenerator::default();
        for ratio in [0.0, 0.001, 0.25, 0.5, 0.9, 1.0] {
            let layer = Tracer::new(None, SamplerSpec::Ratio(ratio));
            let sdk = Sampler::TraceIdRatioBased(ratio);
            let mut sampled = 0;
            for _ in 0..2000 {
                let trace_id = ids.new_trace_id();
                let ours = layer.sampled(None, trace_id);
                let theirs = sdk
                    .should_sample(None, trace_id, "s", &Kind::Internal, &[], &[])
                    .decision
                    == SamplingDecision::RecordAndSample;
                assert_eq!(ours, theirs, "ratio {ratio}, {trace_id}");
                sampled += usize::from(ours);
            }
            if ratio == 0.0 {
                assert_eq!(sampled, 0);
            } else if ratio == 1.0 {
                assert_eq!(sampled, 2000);
            }
        }
    }

    /// Parent-based samplers follow the parent's flag and use their root sampler without one.
    #[test]
    fn parent_based_samplers_follow_the_parent() {
        let trace_id = TraceId::from_bytes([7; 16]);
        for (spec, root) in [
            (SamplerSpec::ParentBasedAlwaysOn, true),
            (SamplerSpec::ParentBasedAlwaysOff, false),
            (SamplerSpec::ParentBasedRatio(0.0), false),
            (SamplerSpec::ParentBasedRatio(1.0), true),
        ] {
            let layer = Tracer::new(None, spec);
            assert_eq!(layer.sampled(None, trace_id), root, "{spec:?}");
            assert!(
                layer.sampled(Some(TraceFlags::SAMPLED), trace_id),
                "{spec:?}"
            );
            assert!(
                !layer.sampled(Some(TraceFlags::NOT_SAMPLED), trace_id),
                "{spec:?}"
            );
        }
        let on = Tracer::new(None, SamplerSpec::AlwaysOn);
        assert!(on.sampled(Some(TraceFlags::NOT_SAMPLED), trace_id));
        let off = Tracer::new(None, SamplerSpec::AlwaysOff);
        assert!(!off.sampled(Some(TraceFlags::SAMPLED), trace_id));
    }

    /// A span's metadata with these fields, from a real callsite.
    fn metadata() -> &'static Metadata<'static> {
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            let span = tracing::info_span!(
                "db_call",
                operation = tracing::field::Empty,
                count = tracing::field::Empty,
                ratio = tracing::field::Empty,
                ok = tracing::field::Empty,
                note = tracing::field::Empty,
                never = tracing::field::Empty,
            );
            span.metadata()
                .expect("a span with a subscriber has metadata")
        })
    }

    fn recorded(meta: &'static Metadata<'static>, tracer: &Tracer) -> Box<OtelSpan> {
        let mut span = tracer.start(meta, None, SystemTime::now());
        span.recording = true;
        span.values = vec![("", FieldValue::Unset); meta.fields().len()];
        span
    }

    /// The bytes [`OtelSpan::write`] gives decode to exactly the request opentelemetry-proto's
    /// own transform makes of the same spans through the SDK's `SpanData`: ids, parents and
    /// their remoteness, trace state, names, kinds, times, every attribute type (arrays too),
    /// the attribute and event limits, events, statuses, the resource and the scope, and
    /// lengths from one byte to three (a 20 kB attribute).
    #[test]
    fn spans_are_written_as_opentelemetry_proto_writes_them() {
        use opentelemetry::{Array, StringValue};
        use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
        use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
        use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
        use prost::Message as _;

        let meta = metadata();
        let tracer = Tracer::new(None, SamplerSpec::AlwaysOn);
        let field = |name: &str| meta.fields().field(name).expect("a field of the callsite");
        let mut spans = Vec::new();

        // A server span with a remote parent, trace state, every field type, an error.
        let mut a = recorded(meta, &tracer);
        a.parent_span_id = SpanId::from_bytes([9; 8]);
        a.parent_remote = true;
        a.trace_state = TraceState::from_key_value([("vendor", "v1"), ("other", "x")])
            .expect("a valid trace state");
        a.flags = TraceFlags::SAMPLED;
        a.kind = SpanKind::Server;
        a.set_name("POST /api/{user_id}/chat");
        a.set_str(&field("operation"), "chat_endpoint");
        a.set(&field("count"), FieldValue::I64(-42));
        a.set(&field("ratio"), FieldValue::F64(0.125));
        a.set(&field("ok"), FieldValue::Bool(false));
        a.set_str(&field("note"), "");
        a.status = Status::error("tool failed: ünïcödé");
        a.extra.push(KeyValue::new(
            "gen_ai.response.finish_reasons",
            Value::Array(Array::String(vec![
                StringValue::from("stop"),
                "tool_calls".into(),
            ])),
        ));
        a.extra.push(KeyValue::new(
            "ids",
            Value::Array(Array::I64(vec![1, -2, 300])),
        ));
        a.extra.push(KeyValue::new(
            "weights",
            Value::Array(Array::F64(vec![0.5, -1.0])),
        ));
        a.extra.push(KeyValue::new(
            "flags",
            Value::Array(Array::Bool(vec![true, false])),
        ));
        a.add_event(
            Level::ERROR,
            OtelEvent::new(
                "database unreachable",
                SystemTime::now(),
                vec![
                    KeyValue::new("level", "ERROR"),
                    KeyValue::new("retries", 3_i64),
                ],
                2,
            ),
        );
        a.lasted = Some(Duration::from_micros(1_234_567));
        spans.push(a);

        // A client span under it, status OK, named by its callsite, a long attribute.
        let mut b = recorded(meta, &tracer);
        b.parent_span_id = SpanId::from_bytes([3; 8]);
        b.kind = SpanKind::Client;
        b.status = Status::Ok;
        b.set_str(&field("note"), &"x".repeat(20_000));
        b.lasted = Some(Duration::from_nanos(1));
        spans.push(b);

        // Over the limits: 130 extra attributes beside a field, 130 events; no end recorded.
        let mut c = recorded(meta, &tracer);
        c.kind = SpanKind::Producer;
        c.set_str(&field("operation"), "db_list_tasks");
        for i in 0..130_i64 {
            c.extra
                .push(KeyValue::new(Key::from(format!("extra.{i}")), i));
            c.add_event(
                Level::INFO,
                OtelEvent::new(format!("e{i}"), SystemTime::now(), vec![], 0),
            );
        }
        spans.push(c);

        let mut d = recorded(meta, &tracer);
        d.kind = SpanKind::Consumer;
        d.status = Status::error("");
        spans.push(d);

        let resource = opentelemetry_sdk::Resource::builder_empty()
            .with_schema_url(
                [
                    KeyValue::new("service.name", "todo-chatbot"),
                    KeyValue::new("service.instance.pid", 4242_i64),
                    KeyValue::new("debug", true),
                ],
                "https://opentelemetry.io/schemas/1.44.0",
            )
            .build();
        let scope = scope();
        for resource in [
            opentelemetry_sdk::Resource::builder_empty().build(),
            resource,
        ] {
            // Written in two pieces, as the export thread takes them from the queue.
            let mut batch = Batch::new(resource.clone(), scope.clone());
            let mut w = Writer::default();
            let (first, rest) = spans.split_at(spans.len() / 2);
            for piece in [first, rest] {
                for span in piece {
                    span.write(&mut w);
                }
                batch.extend(w.as_bytes(), piece.len());
                w.clear();
            }
            batch.extend(&[], 0);
            assert_eq!(batch.len(), spans.len());
            let ours = ExportTraceServiceRequest::decode(batch.finish().as_slice())
                .expect("our bytes decode as an ExportTraceServiceRequest");
            assert!(batch.is_empty());

            let data: Vec<SpanData> = spans
                .iter()
                .map(|s| {
                    let copy = OtelSpan {
                        trace_state: s.trace_state.clone(),
                        name: s.name.clone(),
                        named: s.named,
                        status: s.status.clone(),
                        kind: s.kind.clone(),
                        values: s.values.clone(),
                        text: s.text.clone(),
                        extra: s.extra.clone(),
                        events: s.events.clone(),
                        ..**s
                    };
                    copy.into_span_data(&scope)
                })
                .collect();
            let theirs = ExportTraceServiceRequest {
                resource_spans: group_spans_by_resource_and_scope(
                    data,
                    &ResourceAttributesWithSchema::from(&resource),
                ),
            };
            assert_eq!(ours, theirs);
            assert_eq!(
                ours.resource_spans[0].scope_spans[0].spans.len(),
                spans.len()
            );
        }
        // Nothing written, nothing to send.
        let mut empty = Batch::new(opentelemetry_sdk::Resource::builder_empty().build(), scope);
        assert!(empty.finish().is_empty());
    }

    /// A span with everything set that a span can carry: ids, a remote parent, trace state,
    /// a name, a kind, text and values, extra attributes, events, an error, an end.
    fn dirty(tracer: &Tracer) -> Box<OtelSpan> {
        let meta = metadata();
        let field = |name: &str| meta.fields().field(name).expect("a field of the callsite");
        let mut span = tracer.start(meta, None, SystemTime::now());
        span.parent_span_id = SpanId::from_bytes([9; 8]);
        span.parent_remote = true;
        span.seen = true;
        span.trace_state =
            TraceState::from_key_value([("vendor", "v1")]).expect("a valid trace state");
        span.kind = SpanKind::Server;
        span.set_name("an old name");
        span.set_str(&field("note"), &"old text ".repeat(10));
        span.set(&field("count"), FieldValue::I64(7));
        span.extra.push(KeyValue::new("old", 1_i64));
        span.add_event(
            Level::ERROR,
            OtelEvent::new("old event", SystemTime::now(), vec![], 0),
        );
        span.dropped_events = 3;
        span.lasted = Some(Duration::from_millis(5));
        span
    }

    /// A span kept for reuse (after its export, or not exported) is what a thread's next span
    /// is made in, and that span starts as a new one would: nothing of the old one is left but
    /// its buffers' room.
    #[test]
    fn a_reused_span_starts_as_a_new_one_would() {
        let meta = metadata();
        let settings = OtlpSettings::from_env(&|_| None).expect("the default settings");
        let processor =
            CountingBatchProcessor::start(&settings, Arc::default()).expect("an export thread");
        let tracer = Tracer::new(Some(Arc::new(processor)), SamplerSpec::AlwaysOn);
        let scope = scope();
        let start = SystemTime::now();
        let as_new = |span: Box<OtelSpan>, fresh: &OtelSpan| {
            assert!(span.recording && !span.seen && !span.named && span.lasted.is_none());
            assert_eq!(span.values.len(), meta.fields().len());
            assert!(span.text.is_empty() && span.name.is_empty());
            let mut data = span.into_span_data(&scope);
            let mut fresh = OtelSpan {
                trace_state: fresh.trace_state.clone(),
                name: fresh.name.clone(),
                status: fresh.status.clone(),
                kind: fresh.kind.clone(),
                values: fresh.values.clone(),
                text: fresh.text.clone(),
                extra: fresh.extra.clone(),
                events: fresh.events.clone(),
                ..*fresh
            }
            .into_span_data(&scope);
            // The ids are new ones, whatever span they are in.
            assert_ne!(data.span_context.span_id(), fresh.span_context.span_id());
            data.span_context = fresh.span_context.clone();
            fresh.start_time = data.start_time;
            fresh.end_time = data.end_time;
            assert_eq!(format!("{data:?}"), format!("{fresh:?}"));
        };
        let fresh = tracer.start(meta, None, start);

        // Not exported: kept by the thread.
        let old = dirty(&tracer);
        let text_room = old.text.capacity();
        let at: *const OtelSpan = &raw const *old;
        keep_spare(old);
        let reused = tracer.start(meta, None, start);
        assert!(
            std::ptr::eq(&raw const *reused, at),
            "the kept span is reused"
        );
        assert!(
            reused.text.capacity() >= text_room,
            "its text's room is kept"
        );
        as_new(reused, &fresh);

        // Exported: written into the queue and kept by the thread that finished it.
        let settings = OtlpSettings::from_env(&|_| None).expect("the default settings");
        let dropped = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let processor =
            CountingBatchProcessor::start(&settings, dropped.clone()).expect("an export thread");
        let exported = dirty(&tracer);
        let at: *const OtelSpan = &raw const *exported;
        processor.send(exported);
        assert_eq!(dropped.load(Ordering::Relaxed), 0, "queued, not dropped");
        let reused = tracer.start(meta, None, start);
        assert!(
            std::ptr::eq(&raw const *reused, at),
            "the exported span is reused"
        );
        as_new(reused, &fresh);

        // At most SPARES_MAX wait on a thread, however many are kept.
        let many: Vec<_> = (0..SPARES_MAX + 10)
            .map(|_| tracer.start(meta, None, start))
            .collect();
        for span in many {
            keep_spare(span);
        }
        assert_eq!(LOCAL_SPARES.with(|local| local.borrow().len()), SPARES_MAX);
        processor
            .shutdown_with_timeout(Duration::from_secs(10))
            .expect("the export thread stops");
    }

    /// A span finished after the export thread took its last spans is counted as dropped, not
    /// lost silently.
    #[test]
    fn a_span_after_the_shutdown_is_counted_as_dropped() {
        let settings = OtlpSettings::from_env(&|_| None).expect("the default settings");
        let dropped = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let processor =
            CountingBatchProcessor::start(&settings, dropped.clone()).expect("an export thread");
        processor
            .shutdown_with_timeout(Duration::from_secs(10))
            .expect("the export thread stops");
        let tracer = Tracer::new(None, SamplerSpec::AlwaysOn);
        processor.send(tracer.start(metadata(), None, SystemTime::now()));
        assert_eq!(dropped.load(Ordering::Relaxed), 1);
    }

    /// Without the layer installed, the functions on a span do nothing and say so.
    #[test]
    fn span_functions_need_the_layer() {
        let span = tracing::info_span!("alone");
        assert_eq!(trace_id(&span), None);
        let parent = SpanContext::new(
            TraceId::from_bytes([1; 16]),
            SpanId::from_bytes([2; 8]),
            TraceFlags::SAMPLED,
            true,
            TraceState::NONE,
        );
        assert!(!set_remote_parent(&span, &parent));
    }
}
