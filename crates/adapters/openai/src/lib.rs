//! # todo-openai: the OpenAI-compatible chat model (driven adapter)
//!
//! Implements the agent's [`ChatModel`] port over `POST {base_url}/chat/completions`, the wire
//! format OpenAI defined and that Ollama, vLLM, llama.cpp's server and LM Studio also speak:
//! messages, `function` tools with their JSON schemas, `tool_choice: "auto"`, assistant
//! `tool_calls` and `tool` results carried through the rounds.
//!
//! Depends on `todo-agent` (the port and its types) and `todo-tools` (tool definitions), and,
//! being an adapter, on reqwest (rustls, with the crypto provider the process installs), serde,
//! tokio's timer and `tracing`. Nothing in the core depends on it; the composition root builds
//! one [`OpenAiModel`] per process.
//!
//! ## Failures
//! - A request that takes longer than `timeout` is [`ChatModelError::Timeout`], never retried:
//!   the user is already waiting.
//! - Connection errors and 5xx are retried up to `max_retries` times, with exponential backoff
//!   (`retry_base_delay`, doubling) and equal jitter.
//! - 429 (and a 5xx that sends one) waits for `Retry-After` (seconds or an HTTP date) when it is
//!   within `max_retry_after`, else fails at once; without one it backs off like a 5xx.
//! - Any other status (400, 401, 404, …) fails at once.
//!
//! Errors and logs name the status and a short reason, never the API key, the request body or
//! the provider's free-text error message (which may echo part of the key).

mod retry;
mod wire;

use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use todo_agent::{ChatModel, ChatModelError, ChatRequest, ChatResponse};

use crate::retry::{Jitter, backoff, parse_retry_after};
use crate::wire::{CompletionRequest, CompletionResponse, error_code};

/// The GenAI provider name this adapter reports.
pub const PROVIDER: &str = "openai";

/// How to reach an OpenAI-compatible server. `Debug` never prints the key.
#[derive(Clone)]
pub struct OpenAiSettings {
    /// Sent as `Authorization: Bearer …` when not empty (local servers usually need none).
    pub api_key: String,
    /// Up to and including the version, e.g. `https://api.openai.com/v1` or
    /// `http://localhost:11434/v1`.
    pub base_url: String,
    /// The model requested, e.g. `gpt-4o-mini` or `llama3.1`.
    pub model: String,
    /// The longest one request may take; past it the call fails with `Timeout`.
    pub timeout: Duration,
    /// Retries after the first attempt, on connection errors, 5xx and 429.
    pub max_retries: u32,
    /// The first backoff delay; it doubles with each retry.
    pub retry_base_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the call.
    pub max_retry_after: Duration,
}

impl fmt::Debug for OpenAiSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiSettings")
            .field("api_key", &Redacted(!self.api_key.trim().is_empty()))
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("max_retry_after", &self.max_retry_after)
            .finish()
    }
}

/// Prints `[redacted]` for a secret that is set, `[none]` for one that is not.
struct Redacted(bool);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "[redacted]" } else { "[none]" })
    }
}

/// Why an [`OpenAiModel`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenAiSetupError {
    /// The base URL does not parse, or is not http(s).
    #[error("the OpenAI base URL is not a valid http(s) URL: {0}")]
    InvalidBaseUrl(String),
    /// The key holds characters an HTTP header cannot carry (the key itself is not shown).
    #[error("the OpenAI API key holds characters an HTTP header cannot carry")]
    InvalidApiKey,
    /// A setting is out of range.
    #[error("invalid OpenAI model setting: {0}")]
    InvalidSetting(&'static str),
    /// The HTTP client could not be built (most often: no rustls crypto provider installed).
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// A [`ChatModel`] over an OpenAI-compatible chat-completions server. Holds one pooled HTTP
/// client: build it once and share it (`Arc<dyn ChatModel>`).
pub struct OpenAiModel {
    client: reqwest::Client,
    endpoint: Url,
    authorization: Option<HeaderValue>,
    model: String,
    timeout: Duration,
    max_retries: u32,
    retry_base_delay: Duration,
    max_retry_after: Duration,
    jitter: Jitter,
}

impl fmt::Debug for OpenAiModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiModel")
            .field("endpoint", &self.endpoint.as_str())
            .field("authorization", &Redacted(self.authorization.is_some()))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("max_retry_after", &self.max_retry_after)
            .finish_non_exhaustive()
    }
}

impl OpenAiModel {
    /// Validates the settings and builds the HTTP client. The process must have installed a
    /// rustls crypto provider first (the composition root installs ring's).
    ///
    /// # Errors
    /// [`OpenAiSetupError`] for a bad base URL, a key no header can carry, a zero timeout, or
    /// a client that cannot be built.
    pub fn new(settings: OpenAiSettings) -> Result<Self, OpenAiSetupError> {
        let endpoint = endpoint(&settings.base_url)?;
        if settings.timeout.is_zero() {
            return Err(OpenAiSetupError::InvalidSetting(
                "timeout must be above zero",
            ));
        }
        if settings.model.trim().is_empty() {
            return Err(OpenAiSetupError::InvalidSetting("model must not be empty"));
        }
        let key = settings.api_key.trim();
        let authorization = if key.is_empty() {
            None
        } else {
            let mut value = HeaderValue::try_from(format!("Bearer {key}"))
                .map_err(|_| OpenAiSetupError::InvalidApiKey)?;
            // Keeps it out of the client's own debug output (and HTTP/2 header compression).
            value.set_sensitive(true);
            Some(value)
        };
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent(concat!("todo-chatbot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OpenAiSetupError::Client(root_cause(&e)))?;
        Ok(Self {
            client,
            endpoint,
            authorization,
            model: settings.model,
            timeout: settings.timeout,
            max_retries: settings.max_retries,
            retry_base_delay: settings.retry_base_delay,
            max_retry_after: settings.max_retry_after,
            jitter: Jitter::from_clock(),
        })
    }

    /// The URL requests go to: `{base_url}/chat/completions`.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }

    /// One request, classified for the retry loop.
    async fn attempt(&self, body: &[u8]) -> Result<ChatResponse, Attempt> {
        let mut request = self
            .client
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body.to_vec());
        if let Some(authorization) = &self.authorization {
            request = request.header(AUTHORIZATION, authorization.clone());
        }
        let response = request.send().await.map_err(Attempt::from_transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let bytes = response.bytes().await.map_err(Attempt::from_transport)?;

        if status.is_success() {
            return serde_json::from_slice::<CompletionResponse>(&bytes)
                .map_err(|e| {
                    format!(
                        "{} but the answer is not a chat completion: {e}",
                        describe(status)
                    )
                })
                .and_then(|r| {
                    r.into_chat_response(&self.model)
                        .map_err(|why| format!("{} but {why}", describe(status)))
                })
                .map_err(Attempt::Fatal);
        }
        let reason = match error_code(&bytes) {
            Some(code) => format!("{} ({code})", describe(status)),
            None => describe(status),
        };
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Err(Attempt::Retryable {
                status: Some(status),
                reason,
                retry_after,
            })
        } else {
            Err(Attempt::Fatal(reason))
        }
    }
}

/// How one attempt failed.
enum Attempt {
    Timeout,
    Retryable {
        status: Option<StatusCode>,
        reason: String,
        retry_after: Option<Duration>,
    },
    Fatal(String),
}

impl Attempt {
    fn from_transport(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::Timeout
        } else if e.is_builder() || e.is_redirect() {
            Self::Fatal(format!("the request could not be made: {}", root_cause(&e)))
        } else if e.is_connect() {
            Self::Retryable {
                status: None,
                reason: format!("could not connect to the model server: {}", root_cause(&e)),
                retry_after: None,
            }
        } else {
            Self::Retryable {
                status: None,
                reason: format!(
                    "the connection to the model server failed: {}",
                    root_cause(&e)
                ),
                retry_after: None,
            }
        }
    }
}

#[async_trait]
impl ChatModel for OpenAiModel {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ChatModelError> {
        let body = serde_json::to_vec(&CompletionRequest::new(&self.model, request))
            .map_err(|e| ChatModelError::Unexpected(format!("encoding the request: {e}")))?;
        let mut retry = 0;
        loop {
            let (status, reason, retry_after) = match self.attempt(&body).await {
                Ok(response) => return Ok(response),
                Err(Attempt::Timeout) => return Err(ChatModelError::Timeout),
                Err(Attempt::Fatal(reason)) => return Err(ChatModelError::Upstream(reason)),
                Err(Attempt::Retryable {
                    status,
                    reason,
                    retry_after,
                }) => (status, reason, retry_after),
            };
            if retry >= self.max_retries {
                return Err(ChatModelError::Upstream(format!(
                    "{reason}, after {} attempt(s)",
                    retry + 1
                )));
            }
            let delay = match retry_after {
                Some(wait) if wait <= self.max_retry_after => wait,
                Some(wait) => {
                    return Err(ChatModelError::Upstream(format!(
                        "{reason}: Retry-After of {} s exceeds the {} s allowed",
                        wait.as_secs(),
                        self.max_retry_after.as_secs()
                    )));
                }
                None => backoff(self.retry_base_delay, retry, self.jitter.next_fraction()),
            };
            retry += 1;
            tracing::warn!(
                status = status.map_or_else(|| "connection".to_owned(), |s| s.as_u16().to_string()),
                reason = %reason,
                retry,
                max_retries = self.max_retries,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "model request failed; retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }
}

fn endpoint(base_url: &str) -> Result<Url, OpenAiSetupError> {
    let base =
        Url::parse(base_url.trim()).map_err(|e| OpenAiSetupError::InvalidBaseUrl(e.to_string()))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(OpenAiSetupError::InvalidBaseUrl(format!(
            "scheme '{}' is not http or https",
            base.scheme()
        )));
    }
    let path = format!("{}/chat/completions", base.path().trim_end_matches('/'));
    let mut endpoint = base;
    endpoint.set_path(&path);
    Ok(endpoint)
}

/// `HTTP 503 Service Unavailable`.
fn describe(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// The innermost cause (e.g. `Connection refused (os error 111)`): short, and free of the URL
/// reqwest puts in its own message.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_appends_the_path_once() {
        for (base, want) in [
            (
                "https://api.openai.com/v1",
                "https://api.openai.com/v1/chat/completions",
            ),
            (
                "https://api.openai.com/v1/",
                "https://api.openai.com/v1/chat/completions",
            ),
            (
                "http://127.0.0.1:11434/v1",
                "http://127.0.0.1:11434/v1/chat/completions",
            ),
            (
                "http://localhost:8080",
                "http://localhost:8080/chat/completions",
            ),
        ] {
            assert_eq!(endpoint(base).expect(base).as_str(), want);
        }
        assert!(matches!(
            endpoint("ftp://example.com"),
            Err(OpenAiSetupError::InvalidBaseUrl(_))
        ));
        assert!(matches!(
            endpoint("not a url"),
            Err(OpenAiSetupError::InvalidBaseUrl(_))
        ));
    }
}
