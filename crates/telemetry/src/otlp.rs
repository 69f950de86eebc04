//! Span export over OTLP (gRPC or HTTP/protobuf) from the standard `OTEL_*` variables, through
//! a bounded batch processor of our own: a request only ever does a non-blocking `try_send`,
//! the export runs on a dedicated thread, and every span that does not make it out (queue
//! full, export failed or timed out, left at shutdown) is counted. A request hands over the
//! span as [`crate::trace`] recorded it; the conversion to the exporter's `SpanData` (an owned
//! `KeyValue` per attribute) happens on the export thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter as _};

use crate::trace::OtelSpan;

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
    pub export_timeout: Duration,
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
        Ok(Self {
            endpoint,
            protocol,
            service_name: var("OTEL_SERVICE_NAME").unwrap_or_else(|| "todo-chatbot".to_owned()),
            sampler,
            max_queue_size: count("OTEL_BSP_MAX_QUEUE_SIZE", 2048)?,
            schedule_delay: Duration::from_millis(number("OTEL_BSP_SCHEDULE_DELAY", 5000)?),
            max_export_batch_size: count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)?,
            export_timeout: Duration::from_millis(number("OTEL_BSP_EXPORT_TIMEOUT", 30_000)?),
        })
    }
}

enum Message {
    Span(Box<OtelSpan>),
    /// The service's resource (`service.name`, …), which the exporter puts on every batch.
    Resource(Box<Resource>),
    Flush(SyncSender<()>),
    Shutdown,
}

/// The bounded batch processor (see the module doc).
#[derive(Debug)]
pub struct CountingBatchProcessor {
    tx: SyncSender<Message>,
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
        let (tx, rx) = mpsc::sync_channel(settings.max_queue_size);
        let (control, control_rx) = mpsc::sync_channel(4);
        let worker_settings = settings.clone();
        let worker_dropped = dropped.clone();
        let worker = std::thread::Builder::new()
            .name("otlp-export".into())
            .spawn(move || run_worker(&worker_settings, &rx, &control_rx, &worker_dropped))?;
        Ok(Self {
            tx,
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
    /// Queues a finished, sampled span without blocking; counts it as dropped when the queue
    /// is full or the export thread is gone.
    pub(crate) fn send(&self, span: Box<OtelSpan>) {
        match self.tx.try_send(Message::Span(span)) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
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

fn build_exporter(settings: &OtlpSettings, endpoint: &str) -> Result<SpanExporter, String> {
    let built = match settings.protocol {
        Protocol::Grpc => SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .with_timeout(settings.export_timeout)
            .build(),
        Protocol::HttpProtobuf => {
            // The workspace builds reqwest with rustls and no crypto provider of its own: its
            // client panics unless one is installed for the process (a no-op when one is).
            let _ = rustls::crypto::ring::default_provider().install_default();
            SpanExporter::builder()
                .with_http()
                .with_endpoint(endpoint)
                .with_timeout(settings.export_timeout)
                .build()
        }
    };
    built.map_err(|e| e.to_string())
}

fn run_worker(
    settings: &OtlpSettings,
    rx: &Receiver<Message>,
    control: &Receiver<Message>,
    dropped: &AtomicU64,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("otlp-export: cannot start a runtime: {e}");
            return;
        }
    };
    let endpoint = settings.endpoint.clone().unwrap_or_default();
    // The gRPC exporter must be built inside a runtime; the HTTP one (blocking client) must not.
    let exporter = match settings.protocol {
        Protocol::Grpc => runtime.block_on(async { build_exporter(settings, &endpoint) }),
        Protocol::HttpProtobuf => build_exporter(settings, &endpoint),
    };
    let exporter = std::cell::RefCell::new(match exporter {
        Ok(e) => Some(e),
        Err(e) => {
            eprintln!("otlp-export: cannot build the exporter for {endpoint}: {e}");
            None
        }
    });
    let export = |batch: Vec<SpanData>| {
        if batch.is_empty() {
            return;
        }
        let n = batch.len() as u64;
        let exporter = exporter.borrow();
        let ok = match (&*exporter, settings.protocol) {
            (None, _) => false,
            (Some(e), Protocol::Grpc) => runtime
                .block_on(async {
                    tokio::time::timeout(settings.export_timeout, e.export(batch)).await
                })
                .is_ok_and(|r| r.is_ok()),
            (Some(e), Protocol::HttpProtobuf) => {
                futures_executor::block_on(e.export(batch)).is_ok()
            }
        };
        if !ok {
            dropped.fetch_add(n, Ordering::Relaxed);
        }
    };

    let scope = crate::trace::scope();
    let mut batch: Vec<SpanData> = Vec::with_capacity(settings.max_export_batch_size);
    let mut last_export = Instant::now();
    // The worker sleeps between ticks instead of blocking on the queue: a request's
    // `try_send` then never has a sleeping receiver to wake (a futex call per span, measured
    // as the largest single cost of a timed call). A short tick keeps the queue drained.
    let tick = settings
        .schedule_delay
        .min(Duration::from_millis(20))
        .max(Duration::from_millis(1));
    loop {
        match control.try_recv() {
            Ok(Message::Flush(ack)) => {
                batch.extend(rx.try_iter().filter_map(|m| match m {
                    Message::Span(s) => Some(s.into_span_data(&scope)),
                    _ => None,
                }));
                export(std::mem::take(&mut batch));
                last_export = Instant::now();
                let _ = ack.send(());
                continue;
            }
            Ok(Message::Shutdown) | Err(mpsc::TryRecvError::Disconnected) => {
                batch.extend(rx.try_iter().filter_map(|m| match m {
                    Message::Span(s) => Some(s.into_span_data(&scope)),
                    _ => None,
                }));
                export(std::mem::take(&mut batch));
                if let Some(e) = &*exporter.borrow() {
                    let _ = e.shutdown_with_timeout(settings.export_timeout);
                }
                return;
            }
            Ok(Message::Resource(resource)) => {
                if let Some(e) = exporter.borrow_mut().as_mut() {
                    e.set_resource(&resource);
                }
                continue;
            }
            _ => {}
        }
        loop {
            match rx.try_recv() {
                Ok(Message::Span(span)) => {
                    batch.push(span.into_span_data(&scope));
                    if batch.len() >= settings.max_export_batch_size {
                        export(std::mem::take(&mut batch));
                        last_export = Instant::now();
                    }
                }
                Ok(_) => {}
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    export(std::mem::take(&mut batch));
                    return;
                }
            }
        }
        if last_export.elapsed() >= settings.schedule_delay {
            export(std::mem::take(&mut batch));
            last_export = Instant::now();
        }
        std::thread::park_timeout(tick);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
