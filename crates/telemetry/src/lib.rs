//! # todo-telemetry: logs, traces and metrics (outer layer)
//!
//! [`Timed`] implements every port of the core by delegating inside a span named as CONTRACT §5
//! says; [`layer::TelemetryLayer`] turns each closed span into a "Performance metric" line,
//! histogram samples and a summary sample (the timing rule lives there, once); [`otlp`]
//! exports spans over OTLP through a bounded, counting batch processor, which writes them as
//! protobuf itself (`wire`) and sends them over tonic or reqwest (`transport`). It may depend on the core crates (to wrap their ports), tracing,
//! tracing-subscriber, the OpenTelemetry API and SDK crates and those two clients. No core crate depends on it: the composition root decides what is
//! wrapped.

pub mod layer;
pub mod metrics;
pub mod names;
pub mod otlp;
mod timed;
pub mod trace;
mod transport;
mod wire;
pub mod writer;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Registry;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Filter, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

pub use layer::LogFormat;
pub use metrics::{Metrics, OperationSummary, Summary, SummaryReport, Targets};
pub use otlp::{OtlpSettings, Protocol, SamplerSpec};
pub use timed::{ErrorKind, Timed, TimedOptions};

/// Crates whose INFO output is noise (sqlx logs every statement at INFO).
const QUIET: &[&str] = &[
    "sqlx=warn",
    "sea_orm=warn",
    "sea_orm_migration=warn",
    "hyper=warn",
];

/// Parses a `RUST_LOG`-style filter and quiets the chatty dependencies unless the filter names
/// them itself.
///
/// # Errors
/// A message for a person when the filter does not parse.
pub fn parse_filter(filter: &str) -> Result<EnvFilter, String> {
    let mut directives = filter.trim().to_owned();
    for quiet in QUIET {
        let target = quiet.split('=').next().unwrap_or_default();
        if !directives.contains(target) {
            if !directives.is_empty() {
                directives.push(',');
            }
            directives.push_str(quiet);
        }
    }
    EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| format!("cannot parse '{filter}': {e}"))
}

/// The log filter as the layer uses it: [`parse_filter`]'s [`EnvFilter`], told to skip its span
/// callbacks when no directive names a span or a field (nothing in `[…]`). Such a filter
/// decides by target and level alone, but its callbacks would still take a lock on every
/// span's entry and exit.
///
/// # Errors
/// As [`parse_filter`].
fn log_filter(filter: &str) -> Result<LogFilter, String> {
    Ok(LogFilter {
        inner: parse_filter(filter)?,
        spans: filter.contains('['),
    })
}

pub(crate) struct LogFilter {
    inner: EnvFilter,
    /// Some directive names a span or a field: the span callbacks matter.
    pub(crate) spans: bool,
}

impl<S> Filter<S> for LogFilter
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, meta: &Metadata<'_>, cx: &Context<'_, S>) -> bool {
        Filter::<S>::enabled(&self.inner, meta, cx)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        Filter::<S>::callsite_enabled(&self.inner, meta)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Filter::<S>::max_level_hint(&self.inner)
    }

    fn event_enabled(&self, event: &Event<'_>, cx: &Context<'_, S>) -> bool {
        Filter::<S>::event_enabled(&self.inner, event, cx)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if self.spans {
            Filter::<S>::on_new_span(&self.inner, attrs, id, ctx);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if self.spans {
            Filter::<S>::on_record(&self.inner, id, values, ctx);
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        if self.spans {
            Filter::<S>::on_enter(&self.inner, id, ctx);
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        if self.spans {
            Filter::<S>::on_exit(&self.inner, id, ctx);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if self.spans {
            Filter::<S>::on_close(&self.inner, id, ctx);
        }
    }
}

/// Everything the telemetry needs to start.
#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    pub format: LogFormat,
    /// `RUST_LOG` syntax; applies to log lines only, never to metrics.
    pub filter: String,
    pub otlp: OtlpSettings,
    pub summary_window: Duration,
    pub summary_max_samples: usize,
    pub targets: Targets,
    /// Lines the log writer buffers before it drops (and counts) instead of blocking.
    pub log_buffer_lines: usize,
}

/// The running telemetry: metrics to expose, and what must be flushed at the end.
pub struct Telemetry {
    metrics: Arc<Metrics>,
    /// `None`: spans are not exported.
    processor: Option<Arc<otlp::CountingBatchProcessor>>,
    log_guard: Option<writer::LineWriterGuard>,
}

impl Telemetry {
    /// Builds the subscriber writing log lines to `writer` (through a non-blocking, lossy
    /// buffer) without installing it.
    ///
    /// # Errors
    /// When the filter does not parse or the export thread cannot start.
    pub fn build<W>(settings: &TelemetrySettings, writer: W) -> Result<(Self, Dispatch), String>
    where
        W: Write + Send + 'static,
    {
        let filter = log_filter(&settings.filter)?;
        let metrics = Arc::new(Metrics::new(Summary::new(
            settings.summary_window,
            settings.summary_max_samples,
            settings.targets.clone(),
        )));

        let (writer, log_guard) = writer::LineWriter::start(writer, settings.log_buffer_lines)
            .map_err(|e| format!("cannot start the log writer thread: {e}"))?;
        let counter = writer.clone();
        metrics.set_log_lines_dropped(move || counter.dropped());

        let processor = match settings.otlp.endpoint {
            Some(_) => {
                let mut processor = otlp::CountingBatchProcessor::start(
                    &settings.otlp,
                    metrics.spans_dropped.clone(),
                )
                .map_err(|e| format!("cannot start the span export thread: {e}"))?;
                processor.set_resource(
                    &Resource::builder()
                        .with_service_name(settings.otlp.service_name.clone())
                        .build(),
                );
                Some(Arc::new(processor))
            }
            None => None,
        };
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());

        // Dependencies open spans of their own (sea-orm's `begin`, `query_one`, …; hyper's and
        // h2's at TRACE): they are not operations of the service, so the layer enables only the
        // spans the trace and the metrics need (and the driver's span of a database call, so
        // that it exists: see `timed_db`), unless a directive of the log filter names a span.
        // Events reach the log and the trace (as span events) as far as the log filter lets them.
        let tracer = trace::Tracer::new(processor.clone(), settings.otlp.sampler);
        let subscriber = Registry::default().with(layer::TelemetryLayer::new(
            metrics.clone(),
            tracer,
            layer::LogLines::new(writer, settings.format),
            filter,
        ));
        Ok((
            Self {
                metrics,
                processor,
                log_guard: Some(log_guard),
            },
            Dispatch::new(subscriber),
        ))
    }

    /// Builds and installs the global subscriber.
    ///
    /// # Errors
    /// As [`Telemetry::build`], or when a global subscriber is already installed.
    pub fn init<W>(settings: &TelemetrySettings, writer: W) -> Result<Self, String>
    where
        W: Write + Send + 'static,
    {
        let (telemetry, dispatch) = Self::build(settings, writer)?;
        tracing::dispatcher::set_global_default(dispatch).map_err(|e| e.to_string())?;
        Ok(telemetry)
    }

    #[must_use]
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Exports what is queued now (tests; the export thread does it on its own schedule).
    pub fn flush(&self) {
        if let Some(processor) = &self.processor {
            let _ = processor.force_flush();
        }
    }

    /// Flushes spans (bounded by `timeout`) and the log buffer. Blocking: call it off the
    /// async worker threads.
    pub fn shutdown(mut self, timeout: Duration) {
        if let Some(processor) = &self.processor
            && let Err(e) = processor.shutdown_with_timeout(timeout)
        {
            eprintln!("telemetry: span export did not finish within {timeout:?}: {e}");
        }
        drop(self.log_guard.take());
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::Layer as _;

    use super::*;

    /// The log filter skips its span callbacks only when no directive needs them: a span
    /// directive still applies inside its span.
    #[test]
    fn span_directives_still_apply_inside_their_span() {
        use std::sync::atomic::{AtomicUsize, Ordering};

        struct Count(Arc<AtomicUsize>);
        impl<S: Subscriber> tracing_subscriber::Layer<S> for Count {
            fn on_event(&self, _: &Event<'_>, _: Context<'_, S>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        for (directives, spans, expected) in [("info", false, 1), ("info,[special]=debug", true, 2)]
        {
            let filter = log_filter(directives).expect("filter");
            assert_eq!(filter.spans, spans);
            let count = Arc::new(AtomicUsize::new(0));
            let subscriber = Registry::default().with(Count(count.clone()).with_filter(filter));
            tracing::subscriber::with_default(subscriber, || {
                tracing::debug!("outside");
                tracing::info_span!("special").in_scope(|| tracing::debug!("inside"));
                tracing::info!("at info");
            });
            assert_eq!(count.load(Ordering::SeqCst), expected, "{directives}");
        }
    }

    #[test]
    fn filters_parse_and_quiet_sqlx() {
        let f = parse_filter("info").expect("filter");
        assert!(f.to_string().contains("sqlx=warn"));
        let f = parse_filter("debug,sqlx=debug").expect("filter");
        assert!(!f.to_string().contains("sqlx=warn"));
        assert!(parse_filter("info,[[[").is_err());
    }
}
