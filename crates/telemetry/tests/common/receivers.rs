//! Real OTLP trace receivers for the tests: an OTLP/gRPC server (tonic with the generated
//! `TraceService`) and an HTTP/protobuf one (poem + the generated OTLP messages decoded with
//! prost). Each runs on a runtime of its own, on its own threads, so that a test may block
//! (flush, shutdown) or run a current-thread runtime without starving the receiver. Both
//! decode the same `ExportTraceServiceRequest` into the same [`Span`], resource included, so
//! that one set of assertions serves both transports.
//!
//! Shared by `crates/telemetry/tests` and the end-to-end tests of the root package
//! (`#[path]`-included there).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value;
use prost::Message as _;

/// An attribute value, typed as it travelled.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
    /// Arrays, maps and bytes, as text.
    Other(String),
}

/// One received span.
#[derive(Debug, Clone)]
pub struct Span {
    /// 32 lowercase hex.
    pub trace_id: String,
    /// 16 lowercase hex.
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    pub name: String,
    /// `SPAN_KIND_SERVER`, `SPAN_KIND_CLIENT`, `SPAN_KIND_INTERNAL`, …
    pub kind: String,
    pub start_unix_nano: u64,
    pub end_unix_nano: u64,
    pub attributes: BTreeMap<String, Attr>,
    /// `STATUS_CODE_UNSET`, `STATUS_CODE_OK` or `STATUS_CODE_ERROR`.
    pub status_code: String,
    /// The span events' names, in order.
    #[allow(
        dead_code,
        reason = "read by the telemetry crate's tests, not by the binary's"
    )]
    pub events: Vec<String>,
    /// The `service.name` of the span's resource; `None` where the resource has none.
    pub service_name: Option<String>,
}

impl Span {
    pub fn str_attr(&self, key: &str) -> Option<&str> {
        match self.attributes.get(key) {
            Some(Attr::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn duration_ms(&self) -> f64 {
        let nanos = self.end_unix_nano.saturating_sub(self.start_unix_nano);
        #[expect(clippy::cast_precision_loss, reason = "durations far below 2^52 ns")]
        let ms = nanos as f64 / 1e6;
        ms
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn from_proto(
    span: opentelemetry_proto::tonic::trace::v1::Span,
    service_name: Option<String>,
) -> Span {
    let attributes = span
        .attributes
        .iter()
        .map(|kv| {
            let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(any_value::Value::StringValue(s)) => Attr::Str(s.clone()),
                Some(any_value::Value::IntValue(i)) => Attr::Int(*i),
                Some(any_value::Value::DoubleValue(d)) => Attr::Double(*d),
                Some(any_value::Value::BoolValue(b)) => Attr::Bool(*b),
                other => Attr::Other(format!("{other:?}")),
            };
            (kv.key.clone(), value)
        })
        .collect();
    Span {
        trace_id: hex(&span.trace_id),
        span_id: hex(&span.span_id),
        parent_span_id: hex(&span.parent_span_id),
        kind: span.kind().as_str_name().to_owned(),
        status_code: span
            .status
            .as_ref()
            .map_or("STATUS_CODE_UNSET", |s| s.code().as_str_name())
            .to_owned(),
        events: span.events.iter().map(|e| e.name.clone()).collect(),
        name: span.name,
        start_unix_nano: span.start_time_unix_nano,
        end_unix_nano: span.end_time_unix_nano,
        attributes,
        service_name,
    }
}

/// Every span of an export request, each with its resource's `service.name`.
fn decode(request: ExportTraceServiceRequest) -> Vec<Span> {
    request
        .resource_spans
        .into_iter()
        .flat_map(|rs| {
            let service_name = rs.resource.as_ref().and_then(|r| {
                r.attributes
                    .iter()
                    .find(|kv| kv.key == "service.name")
                    .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                        any_value::Value::StringValue(s) => Some(s.clone()),
                        _ => None,
                    })
            });
            rs.scope_spans
                .into_iter()
                .flat_map(|ss| ss.spans)
                .map(move |span| from_proto(span, service_name.clone()))
        })
        .collect()
}

/// The OTLP/gRPC `TraceService`: keeps what it receives.
struct Collect(Arc<Mutex<Vec<Span>>>);

#[tonic::async_trait]
impl TraceService for Collect {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let spans = decode(request.into_inner());
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(spans);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

/// A running receiver.
pub struct Receiver {
    endpoint: String,
    spans: Arc<Mutex<Vec<Span>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("otlp-receiver")
        .enable_all()
        .build()
        .expect("a runtime for the receiver")
}

impl Receiver {
    /// An OTLP/gRPC server (`opentelemetry.proto.collector.trace.v1.TraceService`).
    pub fn grpc() -> Self {
        let runtime = runtime();
        let spans = Arc::new(Mutex::new(Vec::new()));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the gRPC receiver");
        let addr = listener.local_addr().expect("a socket address");
        let service = TraceServiceServer::new(Collect(spans.clone()));
        runtime.spawn(async move {
            let _ = tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
                .await;
        });
        Self {
            endpoint: format!("http://{addr}"),
            spans,
            runtime: Some(runtime),
        }
    }

    /// An OTLP/HTTP (protobuf) server: `POST /v1/traces`.
    pub fn http() -> Self {
        use poem::listener::{Acceptor as _, Listener as _, TcpListener};
        use poem::{Response, Route, Server, http::StatusCode};

        async fn receive(
            req: &poem::Request,
            body: poem::Body,
            sink: &Mutex<Vec<Span>>,
        ) -> Response {
            let content_type = req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if content_type != "application/x-protobuf" {
                return Response::builder()
                    .status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
                    .body(format!("content-type {content_type:?}"));
            }
            let Ok(bytes) = body.into_bytes().await else {
                return Response::builder().status(StatusCode::BAD_REQUEST).finish();
            };
            let Ok(request) = ExportTraceServiceRequest::decode(bytes) else {
                return Response::builder()
                    .status(StatusCode::BAD_REQUEST)
                    .body("not an ExportTraceServiceRequest");
            };
            let received = decode(request);
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(received);
            Response::builder()
                .status(StatusCode::OK)
                .content_type("application/x-protobuf")
                .body(ExportTraceServiceResponse::default().encode_to_vec())
        }

        let runtime = runtime();
        let spans: Arc<Mutex<Vec<Span>>> = Arc::new(Mutex::new(Vec::new()));
        let acceptor = runtime
            .block_on(TcpListener::bind("127.0.0.1:0").into_acceptor())
            .expect("bind the HTTP receiver");
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .expect("a socket address");
        let sink = spans.clone();
        let app = Route::new().at(
            "/v1/traces",
            poem::post(poem::endpoint::make(move |mut req: poem::Request| {
                let sink = sink.clone();
                async move {
                    let body = req.take_body();
                    receive(&req, body, &sink).await
                }
            })),
        );
        runtime.spawn(async move {
            let _ = Server::new_with_acceptor(acceptor).run(app).await;
        });
        Self {
            endpoint: format!("http://{addr}"),
            spans,
            runtime: Some(runtime),
        }
    }

    /// What `OTEL_EXPORTER_OTLP_ENDPOINT` should say (the HTTP exporter appends `/v1/traces`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Everything received so far.
    pub fn spans(&self) -> Vec<Span> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits (blocking, polling) until `done` holds for what was received, or panics after
    /// `timeout` with what there is.
    pub fn wait_for(&self, timeout: Duration, done: impl Fn(&[Span]) -> bool) -> Vec<Span> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if done(&spans) {
                return spans;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver at {} did not get the expected spans within {timeout:?}; it has: {:#?}",
                self.endpoint,
                spans
                    .iter()
                    .map(|s| (&s.name, &s.trace_id))
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Dropping a runtime from inside an async test would panic; let it go in the background.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
