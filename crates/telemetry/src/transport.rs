//! Sends an export request's bytes ([`crate::wire`]) to the OTLP receiver, over gRPC
//! (`opentelemetry.proto.collector.trace.v1.TraceService/Export`, tonic with a codec that
//! passes the bytes through) or HTTP/protobuf (`POST` with the blocking reqwest client), with
//! the headers of `OTEL_EXPORTER_OTLP_HEADERS`, a timeout per attempt and the retries the OTLP
//! specification recommends: transient failures only (gRPC `UNAVAILABLE`,
//! `RESOURCE_EXHAUSTED`, …; HTTP 429, 502, 503, 504; connection errors), with exponential
//! backoff and jitter, within the export's deadline. Runs on the export thread only.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Buf as _, BufMut as _, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

use crate::otlp::{OtlpSettings, Protocol};

/// What identifies the exporter to the receiver.
const USER_AGENT: &str = concat!(
    "todo-chatbot/",
    env!("CARGO_PKG_VERSION"),
    " (OTLP exporter)"
);

/// The retry policy the OTLP exporters recommend: 3 retries, 100 ms doubling to at most
/// 1.6 s, up to 100 ms of jitter.
const RETRIES: u32 = 3;
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_millis(1600);
const MAX_JITTER_MS: u64 = 100;

/// Why an attempt failed.
#[derive(Debug)]
pub(crate) struct Failure {
    retryable: bool,
    /// The receiver's own delay (`Retry-After`), when it gave one.
    after: Option<Duration>,
    message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A connection to the receiver.
pub(crate) enum Sender {
    Grpc {
        runtime: tokio::runtime::Runtime,
        client: tonic::client::Grpc<tonic::transport::Channel>,
        metadata: tonic::metadata::MetadataMap,
        timeout: Duration,
    },
    Http {
        client: reqwest::blocking::Client,
        endpoint: reqwest::Url,
        headers: reqwest::header::HeaderMap,
    },
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Grpc { .. } => "Sender::Grpc",
            Self::Http { .. } => "Sender::Http",
        })
    }
}

impl Sender {
    /// Builds the sender for `settings` (its endpoint must be set); connects lazily.
    ///
    /// # Errors
    /// A message when the endpoint or a header is not usable.
    pub(crate) fn new(settings: &OtlpSettings) -> Result<Self, String> {
        let endpoint = settings.endpoint.as_deref().unwrap_or_default();
        match settings.protocol {
            Protocol::Grpc => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start a runtime: {e}"))?;
                let channel = tonic::transport::Endpoint::from_shared(endpoint.to_owned())
                    .and_then(|e| e.user_agent(USER_AGENT))
                    .map_err(|e| format!("endpoint '{endpoint}': {e}"))?
                    .timeout(settings.request_timeout)
                    .connect_timeout(settings.request_timeout);
                // The channel's worker is spawned on the runtime it is created in.
                let channel = {
                    let _entered = runtime.enter();
                    channel.connect_lazy()
                };
                let mut metadata = tonic::metadata::MetadataMap::new();
                for (name, value) in &settings.headers {
                    let key = tonic::metadata::AsciiMetadataKey::from_bytes(
                        name.to_ascii_lowercase().as_bytes(),
                    )
                    .map_err(|e| format!("header '{name}': {e}"))?;
                    let value = value.parse().map_err(|e| format!("header '{name}': {e}"))?;
                    metadata.append(key, value);
                }
                Ok(Self::Grpc {
                    runtime,
                    client: tonic::client::Grpc::new(channel),
                    metadata,
                    timeout: settings.request_timeout,
                })
            }
            Protocol::HttpProtobuf => {
                // The workspace builds reqwest with rustls and no crypto provider of its own:
                // its client panics unless one is installed for the process (a no-op when one
                // is).
                let _ = rustls::crypto::ring::default_provider().install_default();
                let endpoint = reqwest::Url::parse(endpoint)
                    .map_err(|e| format!("endpoint '{endpoint}': {e}"))?;
                let mut headers = reqwest::header::HeaderMap::new();
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    reqwest::header::HeaderValue::from_static("application/x-protobuf"),
                );
                for (name, value) in &settings.headers {
                    let key = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                        .map_err(|e| format!("header '{name}': {e}"))?;
                    let value = reqwest::header::HeaderValue::from_str(value)
                        .map_err(|e| format!("header '{name}': {e}"))?;
                    headers.append(key, value);
                }
                let client = reqwest::blocking::Client::builder()
                    .user_agent(USER_AGENT)
                    .timeout(settings.request_timeout)
                    .build()
                    .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
                Ok(Self::Http {
                    client,
                    endpoint,
                    headers,
                })
            }
        }
    }

    /// Sends `body` (an encoded `ExportTraceServiceRequest`), retrying transient failures
    /// until `deadline` has passed since the first attempt.
    ///
    /// # Errors
    /// The last attempt's failure.
    pub(crate) fn send(&self, body: Bytes, deadline: Duration) -> Result<(), Failure> {
        let start = Instant::now();
        let mut delay = FIRST_DELAY;
        let mut attempt = 0;
        loop {
            let failure = match self.attempt(body.clone()) {
                Ok(()) => return Ok(()),
                Err(failure) => failure,
            };
            if !failure.retryable || attempt == RETRIES {
                return Err(failure);
            }
            attempt += 1;
            let wait = failure
                .after
                .unwrap_or_else(|| (delay + jitter()).min(MAX_DELAY));
            if start.elapsed() + wait >= deadline {
                return Err(failure);
            }
            std::thread::sleep(wait);
            delay = delay.saturating_mul(2);
        }
    }

    fn attempt(&self, body: Bytes) -> Result<(), Failure> {
        match self {
            Self::Grpc {
                runtime,
                client,
                metadata,
                timeout,
            } => {
                let mut client = client.clone();
                let mut request = tonic::Request::new(body);
                *request.metadata_mut() = metadata.clone();
                request.set_timeout(*timeout);
                let path = http::uri::PathAndQuery::from_static(
                    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                );
                runtime
                    .block_on(async move {
                        client
                            .ready()
                            .await
                            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
                        client.unary(request, path, PassThrough).await
                    })
                    .map(drop)
                    .map_err(|status| grpc_failure(&status))
            }
            Self::Http {
                client,
                endpoint,
                headers,
            } => {
                let response = client
                    .post(endpoint.clone())
                    .headers(headers.clone())
                    .body(body)
                    .send()
                    .map_err(|e| Failure {
                        // A connection refused or reset, or a timeout: worth another try.
                        retryable: e.is_connect() || e.is_timeout() || e.is_request(),
                        after: None,
                        message: e.to_string(),
                    })?;
                let status = response.status();
                if status.is_success() {
                    return Ok(());
                }
                let after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                Err(Failure {
                    retryable: matches!(status.as_u16(), 429 | 502 | 503 | 504),
                    after,
                    message: format!("HTTP {status}"),
                })
            }
        }
    }
}

/// The gRPC codes the OTLP specification calls retryable.
fn grpc_failure(status: &tonic::Status) -> Failure {
    use tonic::Code;
    Failure {
        retryable: matches!(
            status.code(),
            Code::Cancelled
                | Code::DeadlineExceeded
                | Code::ResourceExhausted
                | Code::Aborted
                | Code::OutOfRange
                | Code::Unavailable
                | Code::DataLoss
        ),
        after: None,
        message: format!("gRPC {:?}: {}", status.code(), status.message()),
    }
}

/// Up to [`MAX_JITTER_MS`] of delay, from the clock's nanoseconds (spreads retries; no
/// randomness needed beyond that).
fn jitter() -> Duration {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    Duration::from_millis(nanos % (MAX_JITTER_MS + 1))
}

/// A gRPC codec that sends already encoded bytes and ignores the answer's body (an
/// `ExportTraceServiceResponse`, whose partial-success counts are not acted upon).
#[derive(Debug, Clone, Copy, Default)]
struct PassThrough;

impl Codec for PassThrough {
    type Encode = Bytes;
    type Decode = ();
    type Encoder = PassThrough;
    type Decoder = PassThrough;

    fn encoder(&mut self) -> Self::Encoder {
        Self
    }

    fn decoder(&mut self) -> Self::Decoder {
        Self
    }
}

impl Encoder for PassThrough {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for PassThrough {
    type Item = ();
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<()>, Self::Error> {
        src.advance(src.remaining());
        Ok(Some(()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex, PoisonError};

    use super::*;

    /// One request as an HTTP receiver saw it.
    #[derive(Debug, Clone)]
    struct Seen {
        request_line: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// A real HTTP/1.1 receiver on loopback that answers each request with the next of
    /// `answers` (status line and extra headers; the last one repeats) and keeps what it saw.
    fn http_receiver(answers: &'static [&'static str]) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("an address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { return };
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut headers = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.trim_end().split_once(':') {
                        headers.push((k.trim().to_owned(), v.trim().to_owned()));
                    }
                }
                let length = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.parse::<usize>().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                keep.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Seen {
                        request_line: request_line.trim_end().to_owned(),
                        headers,
                        body,
                    });
                let answer = answers[n.min(answers.len() - 1)];
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "{answer}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        (format!("http://{addr}/v1/traces"), seen)
    }

    fn settings(protocol: Protocol, endpoint: &str) -> OtlpSettings {
        let env = |name: &str| match name {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" => Some(endpoint.to_owned()),
            "OTEL_EXPORTER_OTLP_HEADERS" => Some("api-key=s3cr%3Dt,x-tenant=acme".to_owned()),
            "OTEL_EXPORTER_OTLP_TIMEOUT" => Some("2000".to_owned()),
            "OTEL_EXPORTER_OTLP_PROTOCOL" => Some(
                match protocol {
                    Protocol::Grpc => "grpc",
                    Protocol::HttpProtobuf => "http/protobuf",
                }
                .to_owned(),
            ),
            _ => None,
        };
        OtlpSettings::from_env(&env).expect("settings")
    }

    #[test]
    fn http_sends_the_bytes_with_the_headers_and_retries_a_503() {
        let (endpoint, seen) = http_receiver(&[
            "HTTP/1.1 503 Service Unavailable\r\nretry-after: 0",
            "HTTP/1.1 200 OK",
        ]);
        let sender = Sender::new(&settings(Protocol::HttpProtobuf, &endpoint)).expect("sender");
        let body = Bytes::from_static(b"\x0a\x03abc");
        sender
            .send(body.clone(), Duration::from_secs(10))
            .expect("the second attempt succeeds");
        let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
        assert_eq!(seen.len(), 2, "{seen:?}");
        for request in &seen {
            assert_eq!(request.request_line, "POST /v1/traces HTTP/1.1");
            assert_eq!(
                request.header("content-type"),
                Some("application/x-protobuf")
            );
            assert_eq!(request.header("api-key"), Some("s3cr=t"));
            assert_eq!(request.header("x-tenant"), Some("acme"));
            assert!(
                request
                    .header("user-agent")
                    .is_some_and(|a| a.starts_with("todo-chatbot/"))
            );
            assert_eq!(request.body, body);
        }
    }

    #[test]
    fn http_gives_up_at_once_on_a_client_error_and_after_three_retries_otherwise() {
        let (endpoint, seen) = http_receiver(&["HTTP/1.1 400 Bad Request"]);
        let sender = Sender::new(&settings(Protocol::HttpProtobuf, &endpoint)).expect("sender");
        let failure = sender
            .send(Bytes::from_static(b"x"), Duration::from_secs(10))
            .expect_err("400 is final");
        assert!(!failure.retryable);
        assert!(failure.to_string().contains("400"), "{failure}");
        assert_eq!(seen.lock().unwrap_or_else(PoisonError::into_inner).len(), 1);

        let (endpoint, seen) = http_receiver(&["HTTP/1.1 429 Too Many Requests\r\nretry-after: 0"]);
        let sender = Sender::new(&settings(Protocol::HttpProtobuf, &endpoint)).expect("sender");
        let failure = sender
            .send(Bytes::from_static(b"x"), Duration::from_secs(10))
            .expect_err("always 429");
        assert!(failure.retryable);
        assert_eq!(
            seen.lock().unwrap_or_else(PoisonError::into_inner).len(),
            1 + RETRIES as usize
        );
    }

    #[test]
    fn http_stops_retrying_at_the_deadline() {
        let (endpoint, seen) = http_receiver(&["HTTP/1.1 503 Service Unavailable"]);
        let sender = Sender::new(&settings(Protocol::HttpProtobuf, &endpoint)).expect("sender");
        // The first backoff (100 ms and more) does not fit in 50 ms: one attempt only.
        sender
            .send(Bytes::from_static(b"x"), Duration::from_millis(50))
            .expect_err("always 503");
        assert_eq!(seen.lock().unwrap_or_else(PoisonError::into_inner).len(), 1);
    }

    #[test]
    fn a_receiver_that_is_not_there_is_a_retryable_failure() {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
            let sender = Sender::new(&settings(protocol, &format!("http://127.0.0.1:{port}")))
                .expect("sender");
            let failure = sender
                .send(Bytes::from_static(b"x"), Duration::from_millis(50))
                .expect_err("nothing listens");
            assert!(failure.retryable, "{protocol:?}: {failure}");
        }
    }

    #[test]
    fn an_unusable_endpoint_or_header_is_refused_when_built() {
        let mut s = settings(Protocol::HttpProtobuf, "not a url");
        assert!(Sender::new(&s).is_err());
        s.protocol = Protocol::Grpc;
        s.endpoint = Some("http://127.0.0.1:1".to_owned());
        s.headers = vec![("bad\nname".to_owned(), "v".to_owned())];
        assert!(Sender::new(&s).is_err());
    }

    /// gRPC: a tonic server with opentelemetry-proto's generated `TraceService` answers
    /// `UNAVAILABLE` once, then takes the request; it decodes our bytes as the request.
    #[test]
    fn grpc_sends_the_request_with_the_metadata_and_retries_unavailable() {
        use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
            TraceService, TraceServiceServer,
        };
        use opentelemetry_proto::tonic::collector::trace::v1::{
            ExportTraceServiceRequest, ExportTraceServiceResponse,
        };
        use opentelemetry_proto::tonic::trace::v1::ResourceSpans;
        use prost::Message as _;

        type Calls = Arc<Mutex<Vec<(Option<String>, ExportTraceServiceRequest)>>>;
        struct Flaky(Calls);
        #[tonic::async_trait]
        impl TraceService for Flaky {
            async fn export(
                &self,
                request: tonic::Request<ExportTraceServiceRequest>,
            ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
                let key = request
                    .metadata()
                    .get("api-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let mut calls = self.0.lock().unwrap_or_else(PoisonError::into_inner);
                calls.push((key, request.into_inner()));
                if calls.len() == 1 {
                    return Err(tonic::Status::unavailable("warming up"));
                }
                Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
            }
        }

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("an address");
        let calls: Calls = Arc::default();
        let service = TraceServiceServer::new(Flaky(calls.clone()));
        runtime.spawn(
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );

        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                schema_url: "https://example.com/schema".to_owned(),
                ..ResourceSpans::default()
            }],
        };
        let sender =
            Sender::new(&settings(Protocol::Grpc, &format!("http://{addr}"))).expect("sender");
        sender
            .send(
                Bytes::from(request.encode_to_vec()),
                Duration::from_secs(10),
            )
            .expect("the second attempt succeeds");
        let calls = calls.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(calls.len(), 2);
        for (key, received) in calls.iter() {
            assert_eq!(key.as_deref(), Some("s3cr=t"));
            assert_eq!(received, &request);
        }
    }
}
