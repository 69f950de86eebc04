//! A scripted OpenAI-compatible server (wiremock on a free port), the adapter's settings for
//! it, and a log capture.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use todo_openai::{OpenAiModel, OpenAiSettings};
use tracing::subscriber::DefaultGuard;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Looks like a real key, so that any leak of it (or of its prefix) is easy to find.
pub const KEY: &str = "sk-test-SECRET-4f9d2c71b0e8a6d3";
/// Where the adapter should post.
pub const ENDPOINT: &str = "/v1/chat/completions";

pub fn install_crypto() {
    // The process installs one provider; a second install (another test) is a harmless error.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Settings for `server`: short retry delays and timeouts so the suite stays fast.
pub fn settings(server: &MockServer) -> OpenAiSettings {
    OpenAiSettings {
        api_key: KEY.to_owned(),
        base_url: format!("{}/v1", server.uri()),
        model: "gpt-test".to_owned(),
        timeout: Duration::from_secs(5),
        max_retries: 2,
        retry_base_delay: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(5),
    }
}

pub fn model(settings: OpenAiSettings) -> OpenAiModel {
    install_crypto();
    OpenAiModel::new(settings).expect("model")
}

/// Answers each request with the next scripted response; once the script is spent, a 418
/// that the adapter reports at once, so an unexpected extra request fails the test loudly.
struct Script(Mutex<VecDeque<ResponseTemplate>>);

impl Respond for Script {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        self.0
            .lock()
            .expect("script")
            .pop_front()
            .unwrap_or_else(|| ResponseTemplate::new(418).set_body_string("script exhausted"))
    }
}

/// A server that answers `POST /v1/chat/completions` from `script`, in order.
pub async fn server(script: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(Script(Mutex::new(script.into())))
        .mount(&server)
        .await;
    server
}

/// A server that always answers `response`.
pub async fn server_always(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// Every request the server received.
pub async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

/// The JSON bodies of every request the server received.
pub async fn bodies(server: &MockServer) -> Vec<Value> {
    requests(server)
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("request body is JSON"))
        .collect()
}

pub fn completion(message: Value, finish_reason: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "gpt-test-2024-08-06",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}
    }))
}

/// A text answer.
pub fn text(content: &str) -> ResponseTemplate {
    completion(json!({"role": "assistant", "content": content}), "stop")
}

/// An answer asking for tools: `(id, name, raw arguments)`.
pub fn tool_calls(calls: &[(&str, &str, &str)]) -> ResponseTemplate {
    let calls: Vec<Value> = calls
        .iter()
        .map(|(id, name, arguments)| {
            json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
        })
        .collect();
    completion(
        json!({"role": "assistant", "content": null, "tool_calls": calls}),
        "tool_calls",
    )
}

pub fn status(code: u16) -> ResponseTemplate {
    ResponseTemplate::new(code)
        .set_body_json(json!({"error": {"message": "scripted failure", "type": "server_error"}}))
}

/// Everything logged on this thread while the guard lives, at every level and from every
/// crate (reqwest, hyper, the adapter). The tests run on tokio's current-thread runtime, so
/// the client's connection tasks log here too.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn capture() -> (Self, DefaultGuard) {
        // reqwest logs through the `log` facade: forward it to tracing (once per process).
        let _ = tracing_log::LogTracer::init();
        let logs = Self::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("logs")).into_owned()
    }

    /// Asserts that neither the key nor its distinctive part was logged.
    pub fn assert_no_key(&self) {
        let text = self.text();
        assert!(!text.contains(KEY), "the API key was logged:\n{text}");
        assert!(
            !text.contains("SECRET-4f9d"),
            "part of the API key was logged:\n{text}"
        );
    }

    /// The lines saying a request is retried.
    pub fn retries(&self) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains("WARN") && l.contains("retrying"))
            .map(str::to_owned)
            .collect()
    }
}

impl io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
