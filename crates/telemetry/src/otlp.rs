//! Span export over OTLP (gRPC or HTTP/protobuf) from the standard `OTEL_*` variables, through
//! a bounded batch processor of our own: a request only ever pushes its finished span onto a
//! bounded queue (a short lock, never a wait for the export and never a wake-up of the export
//! thread), the export runs on a dedicated thread, and every span that does not make it out
//! (queue full, export failed or timed out, left at shutdown) is counted. A request writes its
//! span into the queue as the protobuf bytes of a `Span` message ([`crate::wire`]), where it
//! ends and its data is still in that core's cache, and keeps the span for its next one; the
//! export thread takes the whole queue at each tick, adds the bytes to the batch at once, at
//! most `max_export_batch_size` spans a batch, and sends each batch ([`crate::transport`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};

use crate::trace::{OtelSpan, keep_spare};
use crate::transport::Sender;
use crate::wire::{Batch, Writer};

/// The OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    HttpProtobuf,
}

/// Export settings, read from the standard variables.
#[derive(Debug, Clone)]
pub struct OtlpSettings {
    /// `None`: no export (logs and metrics stay on).
    pub endpoint: Option<String>,
    pub protocol: Protocol,
    pub service_name: String,
    pub sampler: SamplerSpec,
    pub max_queue_size: usize,
    pub schedule_delay: Duration,
    pub max_export_batch_size: usize,
    /// The whole export of a batch, retries included (`OTEL_BSP_EXPORT_TIMEOUT`).
    pub export_timeout: Duration,
    /// One attempt (`OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, `OTEL_EXPORTER_OTLP_TIMEOUT`).
    pub request_timeout: Duration,
    /// Sent with every export (`OTEL_EXPORTER_OTLP_HEADERS`, then
    /// `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, which wins for a name both give).
    pub headers: Vec<(String, String)>,
}

/// `OTEL_TRACES_SAMPLER` and its argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SamplerSpec {
    AlwaysOn,
    AlwaysOff,
    Ratio(f64),
    ParentBasedAlwaysOn,
    ParentBasedAlwaysOff,
    ParentBasedRatio(f64),
}

impl OtlpSettings {
    /// Reads `OTEL_*` from `env`.
    ///
    /// # Errors
    /// A message naming the variable when a value is invalid.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let disabled = var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let protocol = match var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            .or_else(|| var("OTEL_EXPORTER_OTLP_PROTOCOL"))
            .as_deref()
        {
            None | Some("grpc") => Protocol::Grpc,
            Some("http/protobuf") => Protocol::HttpProtobuf,
            Some(other) => {
                return Err(format!(
                    "OTEL_EXPORTER_OTLP_PROTOCOL: '{other}' is not supported (grpc or http/protobuf)"
                ));
            }
        };
        let endpoint = if disabled {
            None
        } else if let Some(e) = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            Some(e)
        } else {
            var("OTEL_EXPORTER_OTLP_ENDPOINT").map(|e| match protocol {
                Protocol::Grpc => e,
                Protocol::HttpProtobuf => format!("{}/v1/traces", e.trim_end_matches('/')),
            })
        };
        let ratio = || -> Result<f64, String> {
            match var("OTEL_TRACES_SAMPLER_ARG") {
                None => Ok(1.0),
                Some(a) => a
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| {
                        format!("OTEL_TRACES_SAMPLER_ARG: '{a}' is not a ratio in 0..=1")
                    }),
            }
        };
        let sampler = match var("OTEL_TRACES_SAMPLER").as_deref() {
            None | Some("parentbased_always_on") => SamplerSpec::ParentBasedAlwaysOn,
            Some("always_on") => SamplerSpec::AlwaysOn,
            Some("always_off") => SamplerSpec::AlwaysOff,
            Some("traceidratio") => SamplerSpec::Ratio(ratio()?),
            Some("parentbased_always_off") => SamplerSpec::ParentBasedAlwaysOff,
            Some("parentbased_traceidratio") => SamplerSpec::ParentBasedRatio(ratio()?),
            Some(other) => return Err(format!("OTEL_TRACES_SAMPLER: '{other}' is not supported")),
        };
        let number = |name: &str, default: u64| -> Result<u64, String> {
            var(name).map_or(Ok(default), |v| {
                v.parse::<u64>()
                    .map_err(|_| format!("{name}: '{v}' is not a whole number"))
            })
        };
        let count = |name: &str, default: u64| -> Result<usize, String> {
            number(name, default).map(|n| usize::try_from(n).unwrap_or(usize::MAX).max(1))
        };
        let settings = Self {
            endpoint,
            protocol,
            service_name: var("OTEL_SERVICE_NAME").unwrap_or_else(|| "todo-chatbot".to_owned()),
            sampler,
            max_queue_size: count("OTEL_BSP_MAX_QUEUE_SIZE", 2048)?,
            schedule_delay: Duration::from_millis(number("OTEL_BSP_SCHEDULE_DELAY", 5000)?),
            max_export_batch_size: count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)?,
            export_timeout: Duration::from_millis(number("OTEL_BSP_EXPORT_TIMEOUT", 30_000)?),
            request_timeout: Duration::from_millis(
                match var("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") {
                    Some(_) => number("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", 10_000)?,
                    None => number("OTEL_EXPORTER_OTLP_TIMEOUT", 10_000)?,
                },
            ),
            headers: {
                let mut headers = Vec::new();
                for name in [
                    "OTEL_EXPORTER_OTLP_HEADERS",
                    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                ] {
                    for (key, value) in parse_headers(name, var(name).as_deref().unwrap_or(""))? {
                        headers.retain(|(k, _): &(String, String)| !k.eq_ignore_ascii_case(&key));
                        headers.push((key, value));
                    }
                }
                headers
            },
        };
        for name in [
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
        ] {
            if let Some(v) = var(name).filter(|v| !v.eq_ignore_ascii_case("none")) {
                return Err(format!("{name}: '{v}' is not supported (none)"));
            }
        }
        Ok(settings)
    }
}

/// `OTEL_EXPORTER_OTLP_HEADERS`' format: `name=value` pairs separated by commas, values
/// percent-encoded, blanks around either trimmed.
fn parse_headers(var: &str, text: &str) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    // A message names the entry by its place and its header name, never by its value (a
    // header is often a credential).
    for (n, pair) in text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{var}: entry {} is not name=value", n + 1))?;
        let name = name.trim();
        let token = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(format!("{var}: entry {} has no valid header name", n + 1));
        }
        let value = percent_decode(value.trim())
            .filter(|v| !v.bytes().any(|c| c.is_ascii_control() && c != b'\t'))
            .ok_or_else(|| format!("{var}: the value of '{name}' is not a valid header value"))?;
        headers.push((name.to_owned(), value));
    }
    Ok(headers)
}

/// `%XX` escapes decoded; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The finished spans waiting for the export thread, at most `max` of them, as the bytes of
/// their `Span` messages. A `Mutex` rather than a channel: queueing a span is a lock and its
/// bytes written (a channel's `try_send` and `try_recv` cost ~190 instructions a span), and the
/// export thread takes all of them at once.
#[derive(Debug)]
struct Queue {
    pending: Mutex<Pending>,
    max: usize,
}

#[derive(Debug, Default)]
struct Pending {
    spans: Queued,
    /// The export thread has taken its last spans: what comes now is dropped (and counted).
    closed: bool,
}

/// Spans written one after the other, with where each ends.
#[derive(Debug, Default)]
struct Queued {
    bytes: Writer,
    ends: Vec<usize>,
}

impl Queued {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// Adds the spans to `batch`, at most `max` spans a batch: `full` takes each batch that
    /// reaches `max`. Says whether there was a span.
    fn add_to(&self, batch: &mut Batch, max: usize, mut full: impl FnMut(&mut Batch)) -> bool {
        let mut from = 0;
        let mut start = 0;
        while from < self.ends.len() {
            let to = self
                .ends
                .len()
                .min(from + max.saturating_sub(batch.len()).max(1));
            let end = self.ends[to - 1];
            batch.extend(&self.bytes.as_bytes()[start..end], to - from);
            if batch.len() >= max {
                full(batch);
            }
            from = to;
            start = end;
        }
        !self.ends.is_empty()
    }
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The queued spans, moved into `into` (empty, its buffers becoming the queue's); with
    /// `close`, the last ones.
    fn take_all(&self, into: &mut Queued, close: bool) {
        debug_assert!(into.ends.is_empty());
        let mut pending = self.lock();
        std::mem::swap(&mut pending.spans, into);
        pending.closed |= close;
    }
}

enum Message {
    /// The service's resource (`service.name`, …), which the exporter puts on every batch.
    Resource(Box<Resource>),
    Flush(SyncSender<()>),
    Shutdown,
}

/// The bounded batch processor (see the module doc).
#[derive(Debug)]
pub struct CountingBatchProcessor {
    queue: Arc<Queue>,
    control: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
    worker: Mutex<Option<JoinHandle<()>>>,
    /// To wake the worker for a flush or the shutdown instead of waiting for its next tick.
    worker_thread: std::thread::Thread,
}

impl CountingBatchProcessor {
    /// Starts the export thread; the exporter is built on it (the gRPC one inside its own
    /// runtime, the HTTP one with the blocking client).
    ///
    /// # Errors
    /// When the export thread cannot start.
    pub fn start(settings: &OtlpSettings, dropped: Arc<AtomicU64>) -> std::io::Result<Self> {
        let queue = Arc::new(Queue {
            pending: Mutex::new(Pending::default()),
            max: settings.max_queue_size,
        });
        let (control, control_rx) = mpsc::sync_channel(4);
        let worker_settings = settings.clone();
        let worker_dropped = dropped.clone();
        let worker_queue = queue.clone();
        let worker = std::thread::Builder::new()
            .name("otlp-export".into())
            .spawn(move || {
                run_worker(
                    &worker_settings,
                    &worker_queue,
                    &control_rx,
                    &worker_dropped,
                );
            })?;
        Ok(Self {
            queue,
            control,
            dropped,
            worker_thread: worker.thread().clone(),
            worker: Mutex::new(Some(worker)),
        })
    }

    fn stop(&self, timeout: Duration) -> OTelSdkResult {
        let _ = self.control.try_send(Message::Shutdown);
        self.worker_thread.unpark();
        let handle = self
            .worker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(handle) = handle else { return Ok(()) };
        let deadline = Instant::now() + timeout;
        while !handle.is_finished() {
            if Instant::now() >= deadline {
                return Err(OTelSdkError::Timeout(timeout));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = handle.join();
        Ok(())
    }
}

impl CountingBatchProcessor {
    /// Queues a finished, sampled span without waiting for the export (its bytes written into
    /// the queue, the span kept by this thread for its next one); counts it as dropped when the
    /// queue is full or the export thread is gone.
    pub(crate) fn send(&self, span: Box<OtelSpan>) {
        {
            let mut pending = self.queue.lock();
            if pending.closed || pending.spans.ends.len() >= self.queue.max {
                drop(pending);
                self.dropped.fetch_add(1, Ordering::Relaxed);
            } else {
                let spans = &mut pending.spans;
                span.write(&mut spans.bytes);
                let end = spans.bytes.len();
                spans.ends.push(end);
            }
        }
        keep_spare(span);
    }

    /// Exports what is queued now and waits (at most 30 s) until it is done.
    ///
    /// # Errors
    /// When the export thread is gone or does not answer in time.
    pub fn force_flush(&self) -> OTelSdkResult {
        let (ack, done) = mpsc::sync_channel(1);
        self.control
            .send(Message::Flush(ack))
            .map_err(|_| OTelSdkError::AlreadyShutdown)?;
        self.worker_thread.unpark();
        done.recv_timeout(Duration::from_secs(30))
            .map_err(|_| OTelSdkError::Timeout(Duration::from_secs(30)))
    }

    /// Exports what is queued and stops the export thread, waiting at most `timeout`.
    ///
    /// # Errors
    /// When the export thread does not finish within `timeout`.
    pub fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.stop(timeout)
    }

    /// The resource (`service.name`, …) the exporter puts on every batch; set before the
    /// first span, it reaches the exporter on the export thread before the first batch.
    pub fn set_resource(&mut self, resource: &Resource) {
        let _ = self
            .control
            .send(Message::Resource(Box::new(resource.clone())));
        self.worker_thread.unpark();
    }
}

fn run_worker(
    settings: &OtlpSettings,
    queue: &Queue,
    control: &Receiver<Message>,
    dropped: &AtomicU64,
) {
    let sender = match Sender::new(settings) {
        Ok(sender) => Some(sender),
        Err(e) => {
            eprintln!("otlp-export: cannot export spans: {e}");
            None
        }
    };
    let mut batch = Batch::new(Resource::builder_empty().build(), crate::trace::scope());
    let export = |batch: &mut Batch| {
        if batch.is_empty() {
            return;
        }
        let n = batch.len() as u64;
        let body = bytes::Bytes::from(batch.finish());
        let ok = match &sender {
            None => false,
            Some(sender) => sender.send(body, settings.export_timeout).is_ok(),
        };
        if !ok {
            dropped.fetch_add(n, Ordering::Relaxed);
        }
    };
    // The spans taken from the queue at each tick; its buffers go back to the queue at the
    // next one.
    let mut taken = Queued::default();
    // Takes what is queued (with `close`, the last of it) and adds it to the batch, exporting
    // each batch that is full; says whether it took any span and whether it exported a batch.
    let mut drain = |batch: &mut Batch, close: bool| {
        queue.take_all(&mut taken, close);
        let mut exported = false;
        let took = taken.add_to(batch, settings.max_export_batch_size, |full| {
            export(full);
            exported = true;
        });
        taken.clear();
        (took, exported)
    };

    let mut last_export = Instant::now();
    // The worker sleeps between ticks instead of blocking on the queue: a request's push then
    // never has a sleeping receiver to wake (a futex call per span, measured as the largest
    // single cost of a timed call). A short tick keeps the queue drained: 5 ms while spans
    // come, 20 ms when none came. At 60,000 spans a second a 20 ms tick let ~1,300 wait (two
    // thirds of the default queue of 2,048: a stall of another 10 ms and spans are dropped)
    // and wrote them in one burst of ~1 ms on one core; 5 ms holds ~300.
    let busy_tick = settings
        .schedule_delay
        .min(Duration::from_millis(5))
        .max(Duration::from_millis(1));
    let idle_tick = settings
        .schedule_delay
        .min(Duration::from_millis(20))
        .max(Duration::from_millis(1));
    loop {
        match control.try_recv() {
            Ok(Message::Flush(ack)) => {
                let _ = drain(&mut batch, false);
                export(&mut batch);
                last_export = Instant::now();
                let _ = ack.send(());
                continue;
            }
            Ok(Message::Shutdown) | Err(mpsc::TryRecvError::Disconnected) => {
                let _ = drain(&mut batch, true);
                export(&mut batch);
                return;
            }
            Ok(Message::Resource(resource)) => {
                batch.set_resource(*resource);
                continue;
            }
            Err(mpsc::TryRecvError::Empty) => {}
        }
        let (took, exported) = drain(&mut batch, false);
        if exported {
            last_export = Instant::now();
        }
        let tick = if took { busy_tick } else { idle_tick };
        if last_export.elapsed() >= settings.schedule_delay {
            export(&mut batch);
            last_export = Instant::now();
        }
        std::thread::park_timeout(tick);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The queue's spans go into batches of at most `max_export_batch_size`, in order, each
    /// whole: from an empty batch and from one that already holds spans.
    #[test]
    fn queued_spans_fill_batches_of_the_size_asked_for() {
        use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
        use prost::Message as _;

        fn names(bytes: &[u8]) -> Vec<String> {
            let request = ExportTraceServiceRequest::decode(bytes).expect("a request");
            request
                .resource_spans
                .iter()
                .flat_map(|r| &r.scope_spans)
                .flat_map(|s| &s.spans)
                .map(|s| s.name.clone())
                .collect()
        }
        let queued = |names: &[&str]| {
            let mut queued = Queued::default();
            for name in names {
                // A span with a name only, and a long one: lengths of one byte and of two.
                queued.bytes.span(|w| w.bytes(5, name.as_bytes()));
                let end = queued.bytes.len();
                queued.ends.push(end);
            }
            queued
        };
        let long = "l".repeat(300);
        let five = queued(&["s0", "s1", &long, "s3", "s4"]);
        let scope = crate::trace::scope();
        let mut batch = Batch::new(Resource::builder_empty().build(), scope);
        let mut sent = Vec::new();
        assert!(five.add_to(&mut batch, 2, |full| sent.push(names(&full.finish()))));
        assert_eq!(
            sent,
            [
                vec!["s0".to_owned(), "s1".to_owned()],
                vec![long.clone(), "s3".to_owned()]
            ]
        );
        assert_eq!(batch.len(), 1, "the last one waits for more");
        sent.clear();
        let three = queued(&["t0", "t1", "t2"]);
        assert!(three.add_to(&mut batch, 2, |full| sent.push(names(&full.finish()))));
        assert_eq!(
            sent,
            [
                vec!["s4".to_owned(), "t0".to_owned()],
                vec!["t1".to_owned(), "t2".to_owned()]
            ]
        );
        assert!(batch.is_empty());
        // More than fits in one batch of a larger size, and nothing at all.
        assert!(five.add_to(&mut batch, 512, |_| panic!("not full")));
        assert_eq!(names(&batch.finish()), ["s0", "s1", &long, "s3", "s4"]);
        assert!(!Queued::default().add_to(&mut batch, 2, |_| panic!("nothing to send")));
        assert!(batch.is_empty());
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_mean_no_export() {
        let s = OtlpSettings::from_env(&env(&[])).expect("settings");
        assert_eq!(s.endpoint, None);
        assert_eq!(s.protocol, Protocol::Grpc);
        assert_eq!(s.sampler, SamplerSpec::ParentBasedAlwaysOn);
        assert_eq!(s.service_name, "todo-chatbot");
    }

    #[test]
    fn reads_the_standard_variables() {
        let s = OtlpSettings::from_env(&env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_SERVICE_NAME", "svc"),
        ]))
        .expect("settings");
        assert_eq!(
            s.endpoint.as_deref(),
            Some("http://collector:4318/v1/traces")
        );
        assert_eq!(s.protocol, Protocol::HttpProtobuf);
        assert_eq!(s.sampler, SamplerSpec::ParentBasedRatio(0.25));
        assert_eq!(s.schedule_delay, Duration::from_millis(100));
        assert_eq!(s.service_name, "svc");
        let off = OtlpSettings::from_env(&env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_SDK_DISABLED", "true"),
        ]))
        .expect("settings");
        assert_eq!(off.endpoint, None);
    }

    #[test]
    fn reads_headers_and_timeouts_of_the_exporter() {
        let s = OtlpSettings::from_env(&env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                " api-key = a%3Db%2Cc ,x-tenant=one,, ",
            ),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "X-Tenant=two"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
        ]))
        .expect("settings");
        assert_eq!(
            s.headers,
            [
                ("api-key".to_owned(), "a=b,c".to_owned()),
                ("X-Tenant".to_owned(), "two".to_owned()),
            ]
        );
        assert_eq!(s.request_timeout, Duration::from_millis(2500));
        assert_eq!(s.export_timeout, Duration::from_secs(30));
        let s = OtlpSettings::from_env(&env(&[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700"),
        ]))
        .expect("settings");
        assert_eq!(s.request_timeout, Duration::from_millis(700));
        assert!(s.headers.is_empty());
        let s = OtlpSettings::from_env(&env(&[])).expect("settings");
        assert_eq!(s.request_timeout, Duration::from_secs(10));
    }

    #[test]
    fn rejects_headers_and_compression_it_cannot_send_by_name() {
        for (var, value) in [
            ("OTEL_EXPORTER_OTLP_HEADERS", "Bearer s3cret"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=s3cret"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "=1"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "k=%zz"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "k=a%0Ab"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
        ] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(vec![(var, value)].into_boxed_slice());
            let e = OtlpSettings::from_env(&env(pairs)).expect_err(value);
            assert!(e.starts_with(var), "{e}");
            // A header's value may be a credential: it is never quoted back.
            assert!(!e.contains("s3cr"), "{e}");
        }
    }

    #[test]
    fn rejects_bad_values_by_name() {
        let e =
            OtlpSettings::from_env(&env(&[("OTEL_TRACES_SAMPLER", "sometimes")])).expect_err("bad");
        assert!(e.contains("OTEL_TRACES_SAMPLER"));
        let e = OtlpSettings::from_env(&env(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "2"),
        ]))
        .expect_err("bad");
        assert!(e.contains("OTEL_TRACES_SAMPLER_ARG"));
        let e = OtlpSettings::from_env(&env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")]))
            .expect_err("bad");
        assert!(e.contains("OTEL_EXPORTER_OTLP_PROTOCOL"));
    }
}
