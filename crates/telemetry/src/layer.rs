//! The timing rule in one place: [`TelemetryLayer`], the subscriber's one layer, keeps a record
//! of every timed or traced span; when a span carrying an `operation` (or an HTTP server span)
//! closes, it records its duration in the histograms and the summary and writes the
//! "Performance metric" line. It also writes every event that the log filter lets through in
//! the contract's JSON shape, with the trace and span ids of the active span.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tracing::callsite::Identifier;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Filter, Layer};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use crate::LogFilter;
use crate::metrics::Metrics;
use crate::names;
use crate::trace::{OtelSpan, SpanFields, Special, Tracer};
use crate::writer::LineWriter;

/// A string field the layers keep (see [`SpanRecord`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Operation,
    UserId,
    Status,
    Error,
    ErrorType,
    DbSystem,
    DbOperation,
    DbCollection,
    GenAiOperation,
    GenAiProvider,
    GenAiRequestModel,
    HttpMethod,
    HttpRoute,
}

const SLOTS: usize = Slot::HttpRoute as usize + 1;

/// What a span field is to the layer: where a [`SpanRecord`] keeps its value, or the `otel.*`
/// field that steers the OTLP span. Found by the field's name once per callsite ([`routes`])
/// instead of once per value: a timed database call records about a dozen values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Kept by the OTLP span only (as an attribute, by field index).
    Other,
    Str(Slot),
    InputTokens,
    OutputTokens,
    HttpStatus,
    Otel(Special),
}

impl Route {
    fn of(name: &str) -> Self {
        Self::Str(match name {
            names::OPERATION => Slot::Operation,
            names::USER_ID => Slot::UserId,
            names::STATUS => Slot::Status,
            names::ERROR => Slot::Error,
            names::ERROR_TYPE => Slot::ErrorType,
            names::DB_SYSTEM_NAME => Slot::DbSystem,
            names::DB_OPERATION_NAME => Slot::DbOperation,
            names::DB_COLLECTION_NAME => Slot::DbCollection,
            names::GEN_AI_OPERATION_NAME => Slot::GenAiOperation,
            names::GEN_AI_PROVIDER_NAME => Slot::GenAiProvider,
            names::GEN_AI_REQUEST_MODEL => Slot::GenAiRequestModel,
            names::HTTP_REQUEST_METHOD => Slot::HttpMethod,
            names::HTTP_ROUTE => Slot::HttpRoute,
            names::GEN_AI_USAGE_INPUT_TOKENS => return Self::InputTokens,
            names::GEN_AI_USAGE_OUTPUT_TOKENS => return Self::OutputTokens,
            names::HTTP_RESPONSE_STATUS_CODE => return Self::HttpStatus,
            _ => return Special::of(name).map_or(Self::Other, Self::Otel),
        })
    }

    fn special(self) -> Option<Special> {
        match self {
            Self::Otel(special) => Some(special),
            _ => None,
        }
    }
}

/// What the layer works out once per span callsite ([`callsite`]) and keeps for the life of
/// the process (callsites are static, so this holds one small entry per span callsite of the
/// program, whichever subscriber asks).
struct CallsiteInfo {
    /// The routes of the callsite's fields, by field index.
    routes: Box<[Route]>,
    /// Whether the log filter lets the callsite's "Performance metric" lines through, as the
    /// layer [`TelemetryLayer::id`] found it: `id << 1 | enabled`, 0 before any did. A filter
    /// without span directives decides by the callsite alone, so the answer holds for the
    /// layer's every span of it (the filter's directive matching cost ~180 instructions a
    /// timed span); another layer (tests run several) finds its own and takes the slot over.
    logged: AtomicU64,
}

impl CallsiteInfo {
    /// The log decision `layer` kept for the callsite, if it is the one that kept it.
    fn logged(&self, layer: u64) -> Option<bool> {
        let kept = self.logged.load(Ordering::Relaxed);
        (kept >> 1 == layer).then_some(kept & 1 == 1)
    }

    fn keep_logged(&self, layer: u64, enabled: bool) {
        self.logged
            .store(layer << 1 | u64::from(enabled), Ordering::Relaxed);
    }
}

/// The [`CallsiteInfo`] of `meta`'s callsite: worked out on its first span.
fn callsite(meta: &'static Metadata<'static>) -> &'static CallsiteInfo {
    type Table = HashMap<Identifier, &'static CallsiteInfo, foldhash::fast::RandomState>;
    static CALLSITES: LazyLock<RwLock<Table>> = LazyLock::new(RwLock::default);
    let id = meta.callsite();
    if let Some(info) = CALLSITES
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&id)
    {
        return info;
    }
    let mut table = CALLSITES.write().unwrap_or_else(PoisonError::into_inner);
    table.entry(id).or_insert_with(|| {
        Box::leak(Box::new(CallsiteInfo {
            routes: meta.fields().iter().map(|f| Route::of(f.name())).collect(),
            logged: AtomicU64::new(0),
        }))
    })
}

/// The routes of the fields of `meta`'s callsite, by field index ([`callsite`]).
#[cfg(test)]
fn routes(meta: &'static Metadata<'static>) -> &'static [Route] {
    &callsite(meta).routes
}

/// What the layers keep about a timed span. Every string field goes into one buffer (a span
/// has about six: one allocation instead of six); `slots` says where each one is.
#[derive(Debug, Default)]
pub(crate) struct SpanRecord {
    start: Option<Instant>,
    http: bool,
    text: String,
    slots: [Option<(u32, u32)>; SLOTS],
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    http_status: Option<i64>,
    /// The trace id and span id, once the span was first entered (`Some(None)`: it has none,
    /// as when tracing is off).
    ids: Option<Option<([u8; 16], [u8; 8])>>,
    /// When the span was last exited: the operation's end, as the exported span's (the work
    /// done between then and the close, the exporter's included, is not the operation's).
    last_exit: Option<Instant>,
    duration: Option<Duration>,
    /// Whether the log filter lets the span's "Performance metric" line through.
    logged: bool,
    /// The OTLP side of a traced span, taken out when the span closes.
    pub(crate) otel: Option<Box<OtelSpan>>,
    /// Its callsite's routes ([`CallsiteInfo`]; empty: found by name).
    routes: &'static [Route],
}

impl SpanRecord {
    fn get(&self, slot: Slot) -> Option<&str> {
        let (start, end) = self.slots[slot as usize]?;
        self.text.get(start as usize..end as usize)
    }

    /// Keeps `value` for `slot` and says where it is in the text; a value recorded again
    /// replaces the old one (whose bytes stay in the buffer, unused: a field is recorded at
    /// most a few times).
    fn set(&mut self, slot: Slot, value: &str) -> Option<(u32, u32)> {
        if self.text.capacity() == 0 {
            self.text.reserve(128);
        }
        let range = crate::trace::append(&mut self.text, value)?;
        self.slots[slot as usize] = Some(range);
        Some(range)
    }

    fn ids(&self) -> Option<([u8; 16], [u8; 8])> {
        self.ids.flatten()
    }

    fn route(&self, field: &Field) -> Route {
        self.routes
            .get(field.index())
            .copied()
            .unwrap_or_else(|| Route::of(field.name()))
    }

    fn record_int(&mut self, route: Route, value: i64) {
        match route {
            Route::InputTokens => self.input_tokens = Some(value),
            Route::OutputTokens => self.output_tokens = Some(value),
            Route::HttpStatus => self.http_status = Some(value),
            _ => {}
        }
    }
}

impl Visit for SpanRecord {
    fn record_str(&mut self, field: &Field, value: &str) {
        if let Route::Str(slot) = self.route(field) {
            let _ = self.set(slot, value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_int(self.route(field), value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_i64(field, i64::try_from(value).unwrap_or(i64::MAX));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `%display` values arrive here.
        self.record_str(field, &format!("{value:?}"));
    }
}

/// Whether a span is timed: an operation (it has an `operation` field) or the HTTP server
/// span. Only these are measured.
#[must_use]
pub fn is_timed_span(meta: &tracing::Metadata<'_>) -> bool {
    meta.is_span()
        && (meta.fields().field(names::OPERATION).is_some()
            || meta.fields().field(names::HTTP_REQUEST_METHOD).is_some())
}

/// Whether a span goes to the trace: the application's own spans (its crates are `todo_*`) at
/// INFO or above, the driver's span of a database call excepted. Dependencies' spans (sea-orm's
/// `begin` and `query_one`, hyper's and h2's) are not operations of the service.
#[must_use]
pub fn is_traced_span(meta: &tracing::Metadata<'_>) -> bool {
    meta.is_span()
        && meta.target().starts_with("todo_")
        && *meta.level() <= tracing::Level::INFO
        && !is_driver(meta)
}

/// The span a database driver runs in (see `timed_db`): enabled, so that the driver does not
/// see the database span as current, but neither exported nor timed.
pub const DRIVER_SPAN: &str = "db.driver";

/// Whether a span is the driver's span of a database call.
#[must_use]
pub fn is_driver(meta: &tracing::Metadata<'_>) -> bool {
    meta.is_span() && meta.name() == DRIVER_SPAN && meta.target().starts_with("todo_telemetry")
}

fn is_timed(attrs: &Attributes<'_>) -> (bool, bool) {
    let fields = attrs.metadata().fields();
    let op = fields.field(names::OPERATION).is_some();
    let http = fields.field(names::HTTP_REQUEST_METHOD).is_some() && !op;
    (op, http)
}

/// Reads a span's fields into its record and, for a traced span, its OTLP side: one pass, and
/// one copy of a string value however many of the two keep it (they share the record's text).
struct Fields<'a> {
    record: &'a mut SpanRecord,
}

impl Fields<'_> {
    /// The span's OTLP side, to record into, when it is traced.
    fn otel(&mut self) -> Option<SpanFields<'_>> {
        let record = &mut *self.record;
        let span = record.otel.as_deref_mut()?;
        Some(SpanFields {
            span,
            text: &mut record.text,
        })
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let route = self.record.route(field);
        let known = match route {
            Route::Str(slot) => self.record.set(slot, value),
            _ => None,
        };
        if let Some(mut otel) = self.otel() {
            otel.str(field, route.special(), value, known);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Some(mut otel) = self.otel() {
            otel.record_i64(field, value);
        }
        self.record.record_int(self.record.route(field), value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if let Some(mut otel) = self.otel() {
            otel.record_u64(field, value);
        }
        self.record.record_u64(field, value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if let Some(mut otel) = self.otel() {
            otel.record_f64(field, value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if let Some(mut otel) = self.otel() {
            otel.record_bool(field, value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `%display` values arrive here: formatted once for both.
        let text = format!("{value:?}");
        self.record_str(field, &text);
    }
}

/// Records a span's new values into its record, locking it per value: a value that has to be
/// formatted (`%display`, `?debug`) is formatted before the lock is taken, since its `Display`
/// may log, and that event would wait on this span's lock, held by itself. Values given as
/// they are (strings, numbers) go in without a copy.
struct Locking<'a, 'b, S: for<'l> LookupSpan<'l>> {
    span: &'a SpanRef<'b, S>,
}

impl<S> Locking<'_, '_, S>
where
    S: Subscriber + for<'l> LookupSpan<'l>,
{
    fn with(&self, f: impl FnOnce(&mut Fields<'_>)) {
        let mut ext = self.span.extensions_mut();
        if let Some(record) = ext.get_mut::<SpanRecord>() {
            f(&mut Fields { record });
        }
    }
}

impl<S> Visit for Locking<'_, '_, S>
where
    S: Subscriber + for<'l> LookupSpan<'l>,
{
    fn record_str(&mut self, field: &Field, value: &str) {
        self.with(|f| f.record_str(field, value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.with(|f| f.record_i64(field, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.with(|f| f.record_u64(field, value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.with(|f| f.record_f64(field, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.with(|f| f.record_bool(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        self.with(|f| f.record_str(field, &text));
    }
}

/// The subscriber's one layer. It keeps a [`SpanRecord`] for every timed or traced span,
/// records the durations of timed spans into [`Metrics`] when they close, builds and queues
/// the OTLP span of traced ones ([`crate::trace`]) with the events inside them as span events,
/// and writes the log lines ([`LogLines`]): the events the log filter lets through and the
/// "Performance metric" line of each timed span it lets through.
///
/// One layer, filtering for itself, rather than one per-layer-filtered layer for spans and one
/// for logs: tracing-subscriber's per-layer filters look every span up in the registry once
/// per filtered layer on every entry, exit, record and close to ask whether that layer sees it
/// (14 look-ups of a timed database call, ~1,500 instructions, a tenth of its cost on the
/// calling thread), and once per ancestor when a layer walks a span's scope. The spans it
/// enables are the ones it needs (timed, traced and the driver's), whatever the log level:
/// the metrics do not depend on it; the log filter decides the events, and the spans too when
/// one of its directives names a span (`[name]=debug`: it has to see them to know when an
/// event is inside one).
pub struct TelemetryLayer {
    /// Unique in the process (from 1): whose decisions a [`CallsiteInfo`] keeps.
    id: u64,
    metrics: Arc<Metrics>,
    tracer: Tracer,
    log: LogLines<LineWriter>,
    filter: LogFilter,
}

/// Whether the layer needs the span whatever the log filter says.
fn wanted_span(meta: &Metadata<'_>) -> bool {
    is_traced_span(meta) || is_timed_span(meta) || is_driver(meta)
}

impl TelemetryLayer {
    #[must_use]
    pub(crate) fn new(
        metrics: Arc<Metrics>,
        tracer: Tracer,
        log: LogLines<LineWriter>,
        filter: LogFilter,
    ) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            metrics,
            tracer,
            log,
            filter,
        }
    }

    /// Whether the log filter lets the "Performance metric" line of a timed span of `info`'s
    /// callsite through: decided once per callsite when the filter decides by the callsite
    /// alone (it has no span directives), else for each span, as a per-layer filter would
    /// have decided when the span was made.
    fn metric_logged<S>(
        &self,
        info: &CallsiteInfo,
        meta: &'static Metadata<'static>,
        ctx: &Context<'_, S>,
    ) -> bool
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        if self.filter.spans {
            return Filter::<S>::enabled(&self.filter, meta, ctx);
        }
        if let Some(enabled) = info.logged(self.id) {
            return enabled;
        }
        let enabled = Filter::<S>::enabled(&self.filter, meta, ctx);
        info.keep_logged(self.id, enabled);
        enabled
    }

    pub(crate) fn tracer(&self) -> &Tracer {
        &self.tracer
    }

    fn observe(&self, record: &SpanRecord, duration: Duration) {
        let secs = duration.as_secs_f64();
        let m = &self.metrics;
        if let Some(op) = record.get(Slot::Operation) {
            let status = record.get(Slot::Status).unwrap_or("success");
            m.operation.observe(&[op, status], secs);
            m.summary.record(op, duration, status == "error");
        }
        let error_type = record.get(Slot::ErrorType).unwrap_or("");
        if let (Some(system), Some(operation)) =
            (record.get(Slot::DbSystem), record.get(Slot::DbOperation))
        {
            let collection = record.get(Slot::DbCollection).unwrap_or("");
            m.db.observe(&[system, operation, collection, error_type], secs);
        }
        if record.get(Slot::GenAiOperation) == Some(names::OP_CHAT) {
            let provider = record.get(Slot::GenAiProvider).unwrap_or("");
            let model = record.get(Slot::GenAiRequestModel).unwrap_or("");
            m.gen_ai
                .observe(&[names::OP_CHAT, provider, model, error_type], secs);
            for (tokens, kind) in [
                (record.input_tokens, names::TOKEN_TYPE_INPUT),
                (record.output_tokens, names::TOKEN_TYPE_OUTPUT),
            ] {
                if let Some(t) = tokens {
                    #[expect(
                        clippy::cast_precision_loss,
                        reason = "token counts are far below 2^52"
                    )]
                    m.tokens
                        .observe(&[names::OP_CHAT, provider, model, kind], t as f64);
                }
            }
        }
        if record.http {
            let method = record.get(Slot::HttpMethod).unwrap_or("_OTHER");
            let route = record.get(Slot::HttpRoute).unwrap_or("");
            let mut code = itoa::Buffer::new();
            let status = record.http_status.map_or("", |s| code.format(s));
            m.http.observe(&[method, route, status], secs);
        }
    }
}

impl<S> Layer<S> for TelemetryLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        // Asked first, whatever the answer: a filter with span directives learns its spans'
        // callsites here.
        let log = Filter::<S>::callsite_enabled(&self.filter, meta);
        if wanted_span(meta) {
            Interest::always()
        } else if meta.is_span() && !self.filter.spans {
            Interest::never()
        } else {
            log
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
        wanted_span(meta)
            || ((meta.is_event() || self.filter.spans)
                && Filter::<S>::enabled(&self.filter, meta, &ctx))
    }

    fn event_enabled(&self, event: &Event<'_>, ctx: Context<'_, S>) -> bool {
        Filter::<S>::event_enabled(&self.filter, event, &ctx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // Timed spans are wanted at any level.
        None
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if self.filter.spans {
            Filter::<S>::on_new_span(&self.filter, attrs, id, ctx.clone());
        }
        let meta = attrs.metadata();
        let traced = is_traced_span(meta);
        let (op, http) = is_timed(attrs);
        if !traced && !op && !http {
            return; // a driver's span (it only has to exist) or one the log filter asked for
        }
        let Some(span) = ctx.span(id) else { return };
        // The clocks read once, together: the exported span begins at `started_at` and lasts
        // the operation's duration from `started` (see `Tracer::finish`).
        let started = Instant::now();
        let otel = traced.then(|| {
            // Read only when spans are exported.
            let exports = self.tracer.exports();
            let now = || {
                if exports {
                    std::time::SystemTime::now()
                } else {
                    std::time::UNIX_EPOCH
                }
            };
            // The nearest traced ancestor (a driver's span in between has no record).
            let mut parent = span.scope().skip(1).find_map(|p| {
                let has = p
                    .extensions()
                    .get::<SpanRecord>()
                    .is_some_and(|r| r.otel.is_some());
                has.then_some(p)
            });
            match parent.as_mut() {
                Some(p) => {
                    let mut ext = p.extensions_mut();
                    let (parent_start, parent_otel) = match ext.get_mut::<SpanRecord>() {
                        Some(r) => (r.start, r.otel.as_deref_mut()),
                        None => (None, None),
                    };
                    // A child begins where its parent began plus the time since on the
                    // monotonic clock, as it lasts (`Tracer::finish`): the spans of a trace
                    // then nest whatever the wall clock does meanwhile (NTP slews it, by 0.5%
                    // on a host measured here, and steps it). A root reads the wall clock.
                    let started_at = match (
                        parent_otel.as_deref().and_then(OtelSpan::began),
                        parent_start,
                    ) {
                        (Some(began), Some(at)) if exports => {
                            std::time::UNIX_EPOCH + began + started.saturating_duration_since(at)
                        }
                        _ => now(),
                    };
                    self.tracer.start(meta, parent_otel, started_at)
                }
                None => self.tracer.start(meta, None, now()),
            }
        });
        let info = callsite(meta);
        let mut record = SpanRecord {
            start: Some(started),
            http,
            logged: op && self.metric_logged(info, meta, &ctx),
            otel,
            routes: &info.routes,
            ..SpanRecord::default()
        };
        // One text for both (the OTLP span's buffer, usually a reused one); it goes back to
        // the OTLP span when the span closes.
        if let Some(otel) = record.otel.as_deref_mut() {
            record.text = otel.take_text();
        }
        attrs.record(&mut Fields {
            record: &mut record,
        });
        span.extensions_mut().insert(record);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if self.filter.spans {
            Filter::<S>::on_record(&self.filter, id, values, ctx.clone());
        }
        let Some(span) = ctx.span(id) else { return };
        values.record(&mut Locking { span: &span });
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        if self.filter.spans {
            Filter::<S>::on_enter(&self.filter, id, ctx.clone());
        }
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(record) = ext.get_mut::<SpanRecord>()
            && record.ids.is_none()
        {
            // The ids are fixed from here on (a remote parent is set before the first entry).
            record.ids = Some(record.otel.as_deref_mut().map(OtelSpan::ids));
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        if self.filter.spans {
            Filter::<S>::on_exit(&self.filter, id, ctx.clone());
        }
        let Some(span) = ctx.span(id) else { return };
        if let Some(record) = span.extensions_mut().get_mut::<SpanRecord>() {
            record.last_exit = Some(Instant::now());
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // Every event here passed the log filter (`enabled`): it is both logged and, inside a
        // traced span that keeps events, a span event.
        let span = ctx.event_span(event);
        self.log.event(event, span.as_ref());
        let Some(span) = span else {
            return;
        };
        // The nearest traced span the event is in, if it keeps events.
        let Some((traced, true)) = span.scope().find_map(|s| {
            let recording = s
                .extensions()
                .get::<SpanRecord>()
                .and_then(|r| r.otel.as_deref())
                .map(OtelSpan::recording);
            recording.map(|r| (s, r))
        }) else {
            return;
        };
        // Formatted before the span is locked (a value's `Display` may log).
        let otel_event = Tracer::event(event);
        let mut ext = traced.extensions_mut();
        if let Some(otel) = ext
            .get_mut::<SpanRecord>()
            .and_then(|r| r.otel.as_deref_mut())
        {
            otel.add_event(*event.metadata().level(), otel_event);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if self.filter.spans {
            Filter::<S>::on_close(&self.filter, id.clone(), ctx.clone());
        }
        let Some(span) = ctx.span(&id) else { return };
        let mut ext = span.extensions_mut();
        let Some(record) = ext.get_mut::<SpanRecord>() else {
            return;
        };
        // The operation ends at the span's last exit, as the exported span does (the work done
        // between then and the close, the exporter's included, is not the operation's).
        let end = record.last_exit.unwrap_or_else(Instant::now);
        let duration = record
            .start
            .map(|s| end.saturating_duration_since(s))
            .unwrap_or_default();
        record.duration = Some(duration);
        let otel = record.otel.take();
        self.observe(record, duration);
        let line = if record.logged {
            // Stamped with the operation's end, the exported span's (no second clock
            // reading), where there is one.
            let ended = otel.as_deref().and_then(|o| o.ended_at(duration));
            self.log.metric_line(span.metadata(), record, ended)
        } else {
            None
        };
        let text = std::mem::take(&mut record.text);
        drop(ext);
        if let Some(mut otel) = otel {
            otel.put_text(text);
            self.tracer.finish(otel, duration);
        }
        if let Some(line) = line {
            self.log.write(line);
        }
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (CONTRACT §4).
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

/// Writes the log lines of [`TelemetryLayer`]: events and "Performance metric" lines, which it
/// formats; what is written is the log filter's decision, taken by the layer.
pub struct LogLines<W> {
    writer: W,
    format: LogFormat,
}

impl<W> LogLines<W> {
    pub fn new(writer: W, format: LogFormat) -> Self {
        Self { writer, format }
    }
}

thread_local! {
    /// The buffer of the thread's last log line, for its next: once a thread has written a
    /// line, a line costs no allocation.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A written line's buffer larger than this goes back to the allocator instead.
const SPARE_MAX: usize = 4096;

/// Keeps a written line's buffer for the thread's next line.
fn recycle(mut buf: Vec<u8>) {
    if buf.capacity() <= SPARE_MAX {
        buf.clear();
        // A thread whose locals are being destroyed drops it.
        let _ = SPARE.try_with(|spare| spare.set(buf));
    }
}

/// What follows a JSON line's timestamp up to its own fields: its closing quote, `level`,
/// `logger` and `message`.
fn head(out: &mut Vec<u8>, level: &'static str, logger: &str, message: &str) {
    out.extend_from_slice(b"\",\"level\":\"");
    // A level's name needs no escape.
    out.extend_from_slice(level.as_bytes());
    out.extend_from_slice(b"\",\"logger\":");
    json_string(out, logger);
    out.extend_from_slice(b",\"message\":");
    json_string(out, message);
}

/// A "Performance metric" line's head, as [`head`] wrote it, for its level and logger:
/// static strings, found by their address (a string of the same text elsewhere gets an entry
/// of its own), with no comparison of their bytes.
struct Head {
    level: &'static str,
    logger: &'static str,
    text: Vec<u8>,
}

/// How many heads a thread keeps: more than there are modules whose timed spans log.
const HEADS_MAX: usize = 16;

thread_local! {
    /// The heads of the thread's last "Performance metric" lines, for [`Line::metric`].
    static HEADS: std::cell::RefCell<Vec<Head>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// One of the service's own keys (known to need no escape), with its JSON form.
#[derive(Debug, Clone, Copy)]
struct OwnKey {
    name: &'static str,
    /// `,"name":`
    json: &'static str,
}

/// The [`OwnKey`] of a literal name.
macro_rules! own_key {
    ($name:literal) => {
        OwnKey {
            name: $name,
            json: concat!(",\"", $name, "\":"),
        }
    };
}

/// One of the service's own keys with a constant value (neither needs an escape): an
/// [`OwnKey`] whose JSON form holds the value too, and the value for the text format.
macro_rules! own_pair {
    ($name:literal, $value:literal) => {
        (
            OwnKey {
                name: $name,
                json: concat!(",\"", $name, "\":\"", $value, "\""),
            },
            $value,
        )
    };
}

/// A line under construction: JSON object or `key=value` text, as UTF-8 bytes (only `str`s
/// and ASCII are appended: no check is needed, and ids and numbers written as ASCII bytes go
/// in without one).
struct Line {
    buf: Vec<u8>,
    json: bool,
    first: bool,
}

impl Line {
    fn new(format: LogFormat, level: &'static str, logger: &str, message: &str) -> Self {
        Self::stamped(format, None, level, logger, message)
    }

    /// As [`Line::new`], stamped with `at` (since the Unix epoch) when it is given.
    fn stamped(
        format: LogFormat,
        at: Option<Duration>,
        level: &'static str,
        logger: &str,
        message: &str,
    ) -> Self {
        let mut line = Self::started(format, at);
        if line.json {
            head(&mut line.buf, level, logger, message);
        } else {
            let _ = write!(line.buf, " {level:>5} {logger}: {message}");
        }
        line
    }

    /// A "Performance metric" line: as [`Line::new`] with that message, its JSON head (level,
    /// logger and message, the same for every line of a logger at a level) copied from the
    /// thread's cache of the last few it wrote instead of written and escaped again (~250
    /// instructions a line). `at`: its time since the Unix epoch, when it is known (else the
    /// clock's).
    fn metric(
        format: LogFormat,
        level: &'static str,
        logger: &'static str,
        at: Option<Duration>,
    ) -> Self {
        const MESSAGE: &str = "Performance metric";
        if format != LogFormat::Json {
            return Self::stamped(format, at, level, logger, MESSAGE);
        }
        let mut line = Self::started(format, at);
        let cached = HEADS.try_with(|heads| {
            let mut heads = heads.borrow_mut();
            let at = match heads
                .iter()
                .position(|h| std::ptr::eq(h.level, level) && std::ptr::eq(h.logger, logger))
            {
                Some(at) => at,
                None => {
                    if heads.len() == HEADS_MAX {
                        heads.remove(0);
                    }
                    let mut text = Vec::new();
                    head(&mut text, level, logger, MESSAGE);
                    heads.push(Head {
                        level,
                        logger,
                        text,
                    });
                    heads.len() - 1
                }
            };
            line.buf.extend_from_slice(&heads[at].text);
        });
        if cached.is_err() {
            // A thread whose locals are being destroyed.
            head(&mut line.buf, level, logger, MESSAGE);
        }
        line
    }

    /// A line's buffer (the thread's spare) holding its timestamp (`at`, or the clock's time
    /// for `None`): the JSON object's opening and `"timestamp":"…"`, or the bare timestamp for
    /// the text format.
    fn started(format: LogFormat, at: Option<Duration>) -> Self {
        let mut buf = SPARE.try_with(std::cell::Cell::take).unwrap_or_default();
        buf.reserve(512);
        let json = format == LogFormat::Json;
        if json {
            buf.extend_from_slice(b"{\"timestamp\":\"");
        }
        timestamp(&mut buf, at.unwrap_or_else(now));
        Self {
            buf,
            json,
            first: !json,
        }
    }

    /// A key of the service's own lines, known to need no escape, written whole: JSON's
    /// `,"key":` is one copy of a constant.
    #[inline]
    fn own_key(&mut self, key: OwnKey) {
        debug_assert_eq!(
            clean_prefix(key.name.as_bytes()),
            key.name.len(),
            "{}",
            key.name
        );
        if !self.json {
            self.key(key.name);
        } else if self.first {
            self.first = false;
            self.buf.extend_from_slice(&key.json.as_bytes()[1..]);
        } else {
            self.buf.extend_from_slice(key.json.as_bytes());
        }
    }

    /// One of the service's own keys with a constant value ([`own_pair!`]): in JSON one copy.
    #[inline]
    fn own_const(&mut self, (key, value): (OwnKey, &'static str)) {
        self.own_key(key);
        if !self.json {
            self.buf.extend_from_slice(value.as_bytes());
        }
    }

    /// A string under one of the service's own keys.
    #[inline]
    fn own_str(&mut self, key: OwnKey, value: &str) {
        self.own_key(key);
        if self.json {
            json_string(&mut self.buf, value);
        } else {
            self.buf.extend_from_slice(value.as_bytes());
        }
    }

    fn key(&mut self, key: &str) {
        if self.json {
            if !self.first {
                self.buf.push(b',');
            }
            self.first = false;
            if clean_prefix(key.as_bytes()) == key.len() {
                self.buf.reserve(key.len() + 3);
                self.buf.push(b'"');
                self.buf.extend_from_slice(key.as_bytes());
                self.buf.extend_from_slice(b"\":");
            } else {
                json_string(&mut self.buf, key);
                self.buf.push(b':');
            }
        } else {
            let _ = write!(self.buf, " {key}=");
        }
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        if self.json {
            json_string(&mut self.buf, value);
        } else {
            self.buf.extend_from_slice(value.as_bytes());
        }
    }

    /// A finite number, written as the shortest text that reads back as it (what
    /// [`Line::micros`] is held to).
    #[cfg(test)]
    fn number(&mut self, key: &str, value: f64) {
        self.key(key);
        if value.is_finite() {
            self.buf
                .extend_from_slice(ryu::Buffer::new().format_finite(value).as_bytes());
        } else {
            self.buf.extend_from_slice(b"null");
        }
    }

    /// A duration of whole microseconds, in milliseconds, written as `number` writes the
    /// double nearest to it (`50.0`, `12.5`, `0.001`: the shortest text that reads back as it)
    /// from integers alone: neither float rounding nor ryu's float-to-decimal search (~700
    /// instructions a line). The shortest text of the double nearest to `n / 1000` is that
    /// decimal as long as the doubles there are closer together than 0.001, far above any
    /// duration.
    fn micros(&mut self, key: OwnKey, micros: u64) {
        self.own_key(key);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(micros / 1000).as_bytes());
        let frac = u32::try_from(micros % 1000).unwrap_or(0);
        let digits = [b'.', digit(frac / 100), digit(frac / 10), digit(frac)];
        // Trailing zeros dropped, one digit kept.
        let len = if frac.is_multiple_of(100) {
            2
        } else if frac.is_multiple_of(10) {
            3
        } else {
            4
        };
        self.buf.extend_from_slice(&digits[..len]);
    }

    /// Bytes as a lowercase hex string (ids: at most 16 bytes).
    fn hex(&mut self, key: OwnKey, bytes: &[u8]) {
        self.own_key(key);
        let mut text = [b'"'; 2 + 2 * 16];
        let bytes = &bytes[..bytes.len().min(16)];
        for (chunk, out) in bytes.chunks(8).zip(text[1..].chunks_mut(16)) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            let digits = hex16(u64::from_be_bytes(word));
            out[..2 * chunk.len()].copy_from_slice(&digits[..2 * chunk.len()]);
        }
        let quoted = &text[..2 + 2 * bytes.len()];
        let text = if self.json {
            quoted
        } else {
            &quoted[1..quoted.len() - 1]
        };
        self.buf.extend_from_slice(text);
    }

    /// A span's `trace_id` and `span_id`, in JSON as one piece of constant size (keys, quotes
    /// and digits) copied at once.
    fn ids(&mut self, trace: &[u8; 16], span: &[u8; 8]) {
        const TRACE: &[u8] = b",\"trace_id\":\"";
        const SPAN: &[u8] = b"\",\"span_id\":\"";
        const LEN: usize = TRACE.len() + 32 + SPAN.len() + 16 + 1;
        if !self.json || self.first {
            self.hex(own_key!("trace_id"), trace);
            self.hex(own_key!("span_id"), span);
            return;
        }
        let mut text = [b'"'; LEN];
        let (head, rest) = text.split_at_mut(TRACE.len());
        head.copy_from_slice(TRACE);
        rest[..32].copy_from_slice(&hex32_digits(trace));
        let rest = &mut rest[32..];
        rest[..SPAN.len()].copy_from_slice(SPAN);
        rest[SPAN.len()..SPAN.len() + 16].copy_from_slice(&hex16(u64::from_be_bytes(*span)));
        self.buf.extend_from_slice(&text);
    }

    fn raw(&mut self, key: &str, value: fmt::Arguments<'_>) {
        self.key(key);
        let _ = self.buf.write_fmt(value);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.json {
            self.buf.push(b'}');
        }
        self.buf.push(b'\n');
        self.buf
    }
}

/// The time since the Unix epoch, for [`timestamp`] (read from the system clock directly:
/// chrono's `Utc::now` also works out the date, ~150 instructions a line that [`timestamp`]
/// needs only once a second).
fn now() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Appends `2026-11-28T10:15:30.123Z` for `since_epoch`. The part up to the seconds is
/// formatted once a second per thread; a log line then costs a copy and three digits.
fn timestamp(out: &mut Vec<u8>, since_epoch: Duration) {
    thread_local! {
        static SECOND: std::cell::RefCell<(u64, String)> =
            const { std::cell::RefCell::new((u64::MAX, String::new())) };
    }
    let second = since_epoch.as_secs();
    SECOND.with_borrow_mut(|(cached, text)| {
        if *cached != second {
            text.clear();
            let whole = i64::try_from(second)
                .ok()
                .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                .unwrap_or_default();
            let _ = write!(text, "{}", whole.format("%Y-%m-%dT%H:%M:%S"));
            *cached = second;
        }
        out.extend_from_slice(text.as_bytes());
    });
    let ms = since_epoch.subsec_millis();
    out.extend_from_slice(&[
        b'.',
        digit(ms / 100),
        digit(ms / 10 % 10),
        digit(ms % 10),
        b'Z',
    ]);
}

/// The 16 lowercase hex digits of `v`, most significant first, worked out for all of them at
/// once: each nibble spread into a byte of its own, then made a digit (`0`–`9`, `a`–`f`)
/// without a branch or a table look-up per nibble (~40 instructions for the 16).
fn hex16(v: u64) -> [u8; 16] {
    /// `pattern` repeated every `width` bits across 128.
    const fn lanes(pattern: u128, width: u32) -> u128 {
        let mut mask = 0;
        let mut at = 0;
        while at < 128 {
            mask |= pattern << at;
            at += width;
        }
        mask
    }
    const HALVES: u128 = lanes(0xFFFF_FFFF, 64);
    const QUARTERS: u128 = lanes(0xFFFF, 32);
    const BYTES: u128 = lanes(0xFF, 16);
    const NIBBLES: u128 = lanes(0x0F, 8);
    const SIX: u128 = lanes(0x06, 8);
    const SIXTEEN: u128 = lanes(0x10, 8);
    const ZERO: u128 = lanes(b'0' as u128, 8);
    let mut x = u128::from(v);
    // 32-bit halves into 64-bit lanes, 16-bit quarters into 32-bit lanes, and so on down to
    // one nibble in each byte, the most significant nibble in the most significant byte.
    x = ((x << 32) | x) & HALVES;
    x = ((x << 16) | x) & QUARTERS;
    x = ((x << 8) | x) & BYTES;
    x = ((x << 4) | x) & NIBBLES;
    // A nibble of 10 or more gains 0x10 when 6 is added: those bytes move on to the letters.
    let letters = ((x + SIX) & SIXTEEN) >> 4;
    (x + ZERO + letters * u128::from(b'a' - b'0' - 10)).to_be_bytes()
}

/// The 32 lowercase hex digits of 16 bytes (a trace id).
fn hex32_digits(bytes: &[u8; 16]) -> [u8; 32] {
    let (high, low) = bytes.split_at(8);
    let mut digits = [0; 32];
    for (half, out) in [high, low].into_iter().zip(digits.chunks_mut(16)) {
        out.copy_from_slice(&hex16(u64::from_be_bytes(
            half.try_into().unwrap_or_default(),
        )));
    }
    digits
}

/// 16 bytes (a trace id) as a string of 32 lowercase hex digits.
pub(crate) fn hex32(bytes: &[u8; 16]) -> String {
    // Hex digits only: always UTF-8.
    String::from_utf8(hex32_digits(bytes).to_vec()).unwrap_or_default()
}

fn digit(n: u32) -> u8 {
    b'0' + u8::try_from(n % 10).unwrap_or(0)
}

/// Whether any of the 8 bytes in `chunk` needs an escape in a JSON string: a control
/// character (below 0x20), `"` or `\`. Exact (no false positives or negatives): bytes of 0x80
/// and above never count.
fn needs_escape(chunk: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    below(chunk, 0x20) != 0
        || below(chunk ^ (ONES * u64::from(b'"')), 1) != 0
        || below(chunk ^ (ONES * u64::from(b'\\')), 1) != 0
}

/// The length of the start of `bytes` known to need no JSON escape: all of it when nothing
/// does. Tested 8 bytes at a time; the last under-8 bytes as the string's last 8 (overlapping
/// what was tested), or, in a string shorter than 8, gathered into one word padded with spaces.
fn clean_prefix(bytes: &[u8]) -> usize {
    let word = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_le_bytes)
    };
    let len = bytes.len();
    if len < 8 {
        let mut padded = [b' '; 8];
        for (to, from) in padded.iter_mut().zip(bytes) {
            *to = *from;
        }
        return if needs_escape(u64::from_le_bytes(padded)) {
            0
        } else {
            len
        };
    }
    let mut clean = 0;
    while clean + 8 <= len {
        if needs_escape(word(clean)) {
            return clean;
        }
        clean += 8;
    }
    if clean == len || !needs_escape(word(len - 8)) {
        len
    } else {
        clean
    }
}

/// Appends `s` as a JSON string: the part before the first byte that needs an escape is found
/// 8 bytes at a time, and runs that need no escape are copied whole.
fn json_string(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let clean = clean_prefix(bytes);
    if clean == bytes.len() {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both runs end on character boundaries.
        out.extend_from_slice(&bytes[start..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.extend_from_slice(escaped.as_bytes());
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Collects an event's fields into a line.
struct EventFields<'a> {
    line: &'a mut Line,
}

impl Visit for EventFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() != "message" {
            self.line.str(field.name(), value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.line.raw(field.name(), format_args!("{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.line.raw(field.name(), format_args!("{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            self.line.raw(field.name(), format_args!("{value}"));
        } else {
            self.line.str(field.name(), &value.to_string());
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.line.raw(field.name(), format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() != "message" {
            self.line.str(field.name(), &format!("{value:?}"));
        }
    }
}

struct Message(Option<String>);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARN",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

impl<W> LogLines<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    /// Writes the line of `event`, with the ids of the nearest span from `span` up that has
    /// them.
    fn event<'a, S>(&self, event: &Event<'_>, span: Option<&SpanRef<'a, S>>)
    where
        S: Subscriber + for<'l> LookupSpan<'l>,
    {
        let meta = event.metadata();
        let mut message = Message(None);
        event.record(&mut message);
        let logger = meta.module_path().unwrap_or_else(|| meta.target());
        let mut line = Line::new(
            self.format,
            level_name(*meta.level()),
            logger,
            message.0.as_deref().unwrap_or(""),
        );
        event.record(&mut EventFields { line: &mut line });
        if let Some(span) = span {
            for span in span.scope() {
                let ext = span.extensions();
                if let Some(ids) = ext.get::<SpanRecord>().and_then(|r| r.ids) {
                    if let Some((trace, span_id)) = ids {
                        line.ids(&trace, &span_id);
                    }
                    break;
                }
            }
        }
        self.write(line.finish());
    }

    /// The "Performance metric" line of a closed span, if it is timed (has an operation).
    fn metric_line(
        &self,
        meta: &'static Metadata<'static>,
        record: &SpanRecord,
        at: Option<Duration>,
    ) -> Option<Vec<u8>> {
        let op = record.get(Slot::Operation)?;
        let status = record.get(Slot::Status).unwrap_or("success");
        let level = if status == "error" { "ERROR" } else { "INFO" };
        let logger = meta.module_path().unwrap_or_else(|| meta.target());
        let mut line = Line::metric(self.format, level, logger, at);
        line.own_str(own_key!("operation"), op);
        // Rounded to the nearest microsecond, as `round_ms` rounds the summary's (in 64 bits:
        // a division of the 128-bit nanoseconds is a call of its own).
        let duration = record.duration.unwrap_or_default();
        let micros = duration
            .as_secs()
            .saturating_mul(1_000_000)
            .saturating_add(u64::from((duration.subsec_nanos() + 500) / 1000));
        line.micros(own_key!("duration_ms"), micros);
        if status == "success" {
            // The usual status: key and value as one constant.
            line.own_const(own_pair!("status", "success"));
        } else {
            line.own_str(own_key!("status"), status);
        }
        if let Some(user) = record.get(Slot::UserId) {
            line.own_str(own_key!("user_id"), user);
        }
        if let Some((trace, span_id)) = record.ids() {
            line.ids(&trace, &span_id);
        }
        if status == "error" {
            line.own_str(
                own_key!("error"),
                record.get(Slot::Error).unwrap_or("unknown error"),
            );
        }
        Some(line.finish())
    }

    fn write(&self, line: Vec<u8>) {
        let _ = self.writer.make_writer().write_all(&line);
        recycle(line);
    }
}

#[cfg(test)]
mod tests {
    impl Line {
        /// The finished line as text: it has to be UTF-8.
        fn text(self) -> String {
            String::from_utf8(self.finish()).expect("a line is UTF-8")
        }
    }

    use super::*;

    /// A callsite's routes are worked out once and say, by field index, what its name says;
    /// a recorded value goes into the record where its route sends it (the OTLP side, span
    /// names, kinds, statuses and attributes, is held by the workspace's `tests/telemetry.rs`).
    #[test]
    fn fields_are_routed_once_per_callsite_as_their_names_say() {
        use tracing_subscriber::layer::SubscriberExt as _;

        type Seen = Arc<std::sync::Mutex<Option<&'static Metadata<'static>>>>;
        struct Meta(Seen);
        impl<S: Subscriber> Layer<S> for Meta {
            fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
                *self.0.lock().expect("lock") = Some(attrs.metadata());
            }
        }
        let seen = Seen::default();
        let subscriber = tracing_subscriber::registry().with(Meta(Arc::clone(&seen)));
        tracing::subscriber::with_default(subscriber, || {
            let _span = tracing::info_span!(
                "s",
                operation = "db_x",
                db.system.name = "sqlite",
                gen_ai.usage.input_tokens = 3,
                otel.name = "n",
                otel.status_code = "ERROR",
                other = "o",
            );
        });
        let meta = seen.lock().expect("lock").expect("a span was made");
        let table = routes(meta);
        assert!(std::ptr::eq(table, routes(meta)), "worked out once");
        assert_eq!(
            table,
            [
                Route::Str(Slot::Operation),
                Route::Str(Slot::DbSystem),
                Route::InputTokens,
                Route::Otel(Special::Name),
                Route::Otel(Special::StatusCode),
                Route::Other,
            ]
        );
        for (field, route) in meta.fields().iter().zip(table) {
            assert_eq!(Route::of(field.name()), *route, "{field}");
        }

        let mut record = SpanRecord {
            routes: table,
            ..SpanRecord::default()
        };
        let field = |name| meta.fields().field(name).expect(name);
        record.record_str(&field("operation"), "db_x");
        record.record_str(&field("other"), "o");
        record.record_i64(&field("gen_ai.usage.input_tokens"), 3);
        assert_eq!(record.get(Slot::Operation), Some("db_x"));
        assert_eq!(record.input_tokens, Some(3));
        assert_eq!(record.text, "db_x", "an unrouted field is not kept");
    }

    /// `Line::micros` writes what `Line::number` (ryu) writes, for the double the summary's
    /// `round_ms` makes of the same duration, for every duration the log lines carry: each
    /// microsecond of the first ten seconds, then a spread of larger ones up to ~31 years.
    #[test]
    fn durations_are_written_as_ryu_writes_them() {
        use crate::metrics::round_ms;
        let line = |f: &dyn Fn(&mut Line)| {
            let mut line = Line::new(LogFormat::Json, "INFO", "t", "m");
            let start = line.buf.len();
            f(&mut line);
            String::from_utf8(line.buf.split_off(start)).expect("UTF-8")
        };
        let mut micros: Vec<u64> = (0..100_000)
            .chain((100_000..10_000_000).step_by(101))
            .collect();
        micros.extend([1, 10, 100, 999, 1000, 1001, 1010, 1100, 999_999_999]);
        let mut m = 10_000_000u64;
        while m < 999_999_999_999_999 {
            micros.extend([m, m + 1, m + 10, m + 100, m + 999]);
            m = m * 3 + 12_345;
        }
        for n in micros {
            #[expect(clippy::cast_precision_loss, reason = "below 2^53")]
            let ms = round_ms(n as f64 / 1000.0);
            assert_eq!(
                line(&|l| l.micros(own_key!("d"), n)),
                line(&|l| l.number("d", ms)),
                "{n} µs, from the integer"
            );
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        let t = Duration::from_secs(1_796_465_730) + Duration::from_millis(7);
        let mut out = Vec::new();
        timestamp(&mut out, t);
        // The same second again (its cached part), then the next second.
        timestamp(&mut out, t + Duration::from_millis(120));
        timestamp(&mut out, t + Duration::from_micros(993_999));
        assert_eq!(
            std::str::from_utf8(&out),
            Ok("2026-12-05T10:15:30.007Z2026-12-05T10:15:30.127Z2026-12-05T10:15:31.000Z")
        );
        // The clock's own reading is formatted as chrono formats it.
        let since_epoch = now();
        out.clear();
        timestamp(&mut out, since_epoch);
        let expected = chrono::DateTime::from_timestamp(
            i64::try_from(since_epoch.as_secs()).expect("seconds"),
            since_epoch.subsec_nanos(),
        )
        .expect("a time")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        assert_eq!(std::str::from_utf8(&out), Ok(expected.as_str()));
    }

    /// The 8-byte scan agrees with a byte-by-byte check for every byte value at every
    /// position, and long strings escape as serde_json reads them back.
    #[test]
    fn the_escape_scan_misses_nothing() {
        for b in 0..=u8::MAX {
            for pos in 0..8 {
                let mut chunk = [b'a'; 8];
                chunk[pos] = b;
                let expected = b < 0x20 || b == b'"' || b == b'\\';
                assert_eq!(
                    needs_escape(u64::from_le_bytes(chunk)),
                    expected,
                    "byte {b:#x} at {pos}"
                );
            }
        }
        // Every length around the word size, with one byte that needs an escape at every
        // position (or none): the clean prefix never reaches past it, and is all of a clean
        // string.
        for len in 0..=24 {
            let plain = vec![b'a'; len];
            assert_eq!(clean_prefix(&plain), len, "clean, length {len}");
            for bad in [b'"', b'\\', b'\n', 0x1f] {
                for pos in 0..len {
                    let mut bytes = plain.clone();
                    bytes[pos] = bad;
                    assert!(clean_prefix(&bytes) <= pos, "{bad:#x} at {pos} of {len}");
                }
            }
        }
        for text in [
            "a plain line of more than eight bytes",
            "eight b\"after the first chunk",
            "héllo wörld, ünïcode across chunk boundaries\n",
            "0123456789abcdef\u{1f}",
            "\u{7f}\u{80}\u{ff}\u{fffd}€€€€€€€€\"",
            // Shorter than one chunk, and a short tail after one.
            "",
            "plain",
            "a\"b",
            "\u{1}",
            "é\\",
            "12345678\n",
            "12345678é\t",
        ] {
            let mut s = Vec::new();
            json_string(&mut s, text);
            let s = String::from_utf8(s).expect("UTF-8");
            let back: String = serde_json::from_str(&s).expect("valid JSON");
            assert_eq!(back, text);
            assert_eq!(s, serde_json::to_string(text).expect("json"), "{text}");
        }
    }

    #[test]
    fn span_records_keep_the_last_value_of_each_field() {
        let mut record = SpanRecord::default();
        assert_eq!(record.get(Slot::Status), None);
        record.set(Slot::Operation, "db_get_task");
        record.set(Slot::Status, "success");
        record.set(Slot::Status, "error");
        assert_eq!(record.get(Slot::Operation), Some("db_get_task"));
        assert_eq!(record.get(Slot::Status), Some("error"));
        assert_eq!(record.get(Slot::UserId), None);
    }

    #[test]
    fn a_constant_pair_is_written_as_a_key_and_string_are() {
        for format in [LogFormat::Json, LogFormat::Pretty] {
            for first in [true, false] {
                let line = |write: &dyn Fn(&mut Line)| {
                    let mut line = Line {
                        buf: Vec::new(),
                        json: format == LogFormat::Json,
                        first,
                    };
                    write(&mut line);
                    line.text()
                };
                assert_eq!(
                    line(&|l| l.own_const(own_pair!("status", "success"))),
                    line(&|l| l.own_str(own_key!("status"), "success")),
                    "{format:?}, first: {first}"
                );
            }
        }
    }

    #[test]
    fn ids_and_numbers_are_written_as_the_contract_shows_them() {
        let mut line = Line::new(LogFormat::Json, "INFO", "t", "m");
        line.hex(own_key!("trace_id"), &[0x00, 0xab, 0x10, 0xff]);
        line.number("duration_ms", 12.5);
        line.number("zero", 0.0);
        let text = line.text();
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["trace_id"], "00ab10ff");
        assert_eq!(v["duration_ms"], 12.5);
        assert_eq!(v["zero"], 0.0);
    }

    /// A "Performance metric" line from the thread's cache of heads is the line `Line::new`
    /// writes, for more loggers than the cache holds, at both levels, over and over (a logger
    /// that needs escapes too).
    #[test]
    fn cached_line_heads_are_the_heads_written_afresh() {
        let after_timestamp =
            |line: String| line[line.find("\",").expect("a timestamp")..].to_owned();
        // Two of the same text at different addresses among them.
        let loggers: Vec<&'static str> = (0..HEADS_MAX + 5)
            .map(|i| {
                &*Box::leak(
                    format!("todo_{0}::module\"{0}", if i == 2 { 1 } else { i }).into_boxed_str(),
                )
            })
            .collect();
        // A few loggers at both levels, over and over (found in the cache), then all of them,
        // more than it holds (each pushing the oldest out).
        let few = loggers.iter().take(3).cycle().take(12);
        let all = loggers.iter().cycle().take(3 * loggers.len());
        for (i, &logger) in few.chain(all).enumerate() {
            let level = if i % 4 == 0 { "ERROR" } else { "INFO" };
            let mut cached = Line::metric(LogFormat::Json, level, logger, None);
            cached.own_str(own_key!("operation"), "db_x");
            let mut fresh = Line::new(LogFormat::Json, level, logger, "Performance metric");
            fresh.own_str(own_key!("operation"), "db_x");
            let (cached, fresh) = (cached.text(), fresh.text());
            assert_eq!(
                after_timestamp(cached.clone()),
                after_timestamp(fresh),
                "{logger}"
            );
            let v: serde_json::Value = serde_json::from_str(&cached).expect("JSON");
            assert_eq!(v["logger"], logger);
            assert_eq!(v["level"], level);
            assert_eq!(v["message"], "Performance metric");
        }
        assert_eq!(HEADS.with_borrow(Vec::len), HEADS_MAX);
        // The text format has no head to cache.
        let text = Line::metric(LogFormat::Pretty, "INFO", "todo::m", None).text();
        assert!(
            text.ends_with(" INFO todo::m: Performance metric\n"),
            "{text}"
        );
    }

    #[test]
    fn ids_are_written_in_hex_as_format_writes_them() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut values = vec![0, u64::MAX, 0x0123_4567_89AB_CDEF, 0xA0B1_C2D3_E4F5_0617];
        for _ in 0..1000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            values.push(seed);
        }
        for &v in &values {
            let digits = hex16(v);
            assert_eq!(
                std::str::from_utf8(&digits).ok(),
                Some(format!("{v:016x}").as_str())
            );
        }
        // A trace id as its `Display` writes it.
        for pair in values.chunks(2) {
            let id = (u128::from(pair[0]) << 64) | u128::from(pair[pair.len() - 1]);
            let id = opentelemetry::trace::TraceId::from(id);
            assert_eq!(hex32(&id.to_bytes()), id.to_string());
        }
        // A span's two ids at once, as two `hex` calls write them, in both formats.
        for (trace, span) in [([0_u8; 16], [0_u8; 8]), ([0xFF; 16], [0xFF; 8])]
            .into_iter()
            .chain((0..50_u8).map(|i| {
                let trace: [u8; 16] = std::array::from_fn(|j| {
                    i.wrapping_mul(31) ^ u8::try_from(j).unwrap_or(0).wrapping_mul(17)
                });
                let span: [u8; 8] = std::array::from_fn(|j| {
                    i.wrapping_add(u8::try_from(j).unwrap_or(0).wrapping_mul(45))
                });
                (trace, span)
            }))
        {
            for format in [LogFormat::Json, LogFormat::Pretty] {
                let mut once = Line::new(format, "INFO", "t", "m");
                once.ids(&trace, &span);
                let mut twice = Line::new(format, "INFO", "t", "m");
                twice.hex(own_key!("trace_id"), &trace);
                twice.hex(own_key!("span_id"), &span);
                let (once, twice) = (once.text(), twice.text());
                let after = |l: &str| {
                    l[l.find(" INFO").or_else(|| l.find("\",")).unwrap_or(0)..].to_owned()
                };
                assert_eq!(after(&once), after(&twice));
            }
        }
        // Ids of every length up to 16 bytes, as the log line writes them.
        let bytes: Vec<u8> = (0..16u8).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
        for len in 0..=16 {
            let mut line = Line::new(LogFormat::Json, "INFO", "t", "m");
            line.hex(own_key!("id"), &bytes[..len]);
            let v: serde_json::Value = serde_json::from_str(&line.text()).expect("JSON");
            let expected: String = bytes[..len].iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(v["id"], expected, "{len} bytes");
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut s = Vec::new();
        json_string(&mut s, "a\"b\\c\nd\u{1}é");
        let s = String::from_utf8(s).expect("UTF-8");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é""#);
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        assert_eq!(v, "a\"b\\c\nd\u{1}é");
    }
}
