//! The HTTP server span (stable HTTP semconv) and the metrics routes' data source. The
//! telemetry crate records durations from the span; this module only opens it, continues an
//! incoming W3C `traceparent`, and names it by the route template (bounded), never the URI.

use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt;
use poem::Request;
use poem::http::HeaderMap;
use tracing::Span;
use tracing::field::Empty;

/// One row of `/metrics/summary`, as the metrics source reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub operation: String,
    pub count: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub target_p95_ms: Option<f64>,
    pub within_target: Option<bool>,
}

/// Where `/metrics` and `/metrics/summary` get their data (the telemetry, through the
/// composition root).
pub trait MetricsSource: Send + Sync {
    /// The Prometheus text exposition.
    fn prometheus_text(&self) -> String;
    /// Percentiles per operation over the recent window.
    fn summary(&self) -> Vec<SummaryRow>;
}

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(poem::http::HeaderName::as_str).collect()
    }
}

/// The route template a path matches, from the fixed set of routes (`None` for no route).
#[must_use]
pub fn route_template(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    Some(match segments.as_slice() {
        ["health"] => "/health",
        ["ready"] => "/ready",
        ["metrics"] => "/metrics",
        ["metrics", "summary"] => "/metrics/summary",
        ["openapi.json"] => "/openapi.json",
        ["docs", ..] => "/docs",
        ["mcp", ..] => "/mcp",
        ["api", _, "chat"] => "/api/{user_id}/chat",
        ["api", _, "tasks"] => "/api/{user_id}/tasks",
        ["api", _, "tasks", _] => "/api/{user_id}/tasks/{id}",
        ["api", _, "tasks", _, "complete"] => "/api/{user_id}/tasks/{id}/complete",
        ["api", _, "conversations"] => "/api/{user_id}/conversations",
        ["api", _, "conversations", _, "messages"] => "/api/{user_id}/conversations/{id}/messages",
        _ => return None,
    })
}

/// Opens the server span for `req`, its parent set from `traceparent` before it is entered.
/// Returns the span and the request's trace id (32 hex) when telemetry is installed.
pub fn server_span(req: &Request) -> (Span, Option<String>) {
    let method = req.method().as_str();
    let path = req.uri().path();
    let route = route_template(path);
    let span = tracing::info_span!(
        "http.server",
        otel.name = %match route {
            Some(r) => format!("{method} {r}"),
            None => method.to_owned(),
        },
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = method,
        http.route = Empty,
        url.path = path,
        http.response.status_code = Empty,
        error.type = Empty,
    );
    if let Some(route) = route {
        span.record("http.route", route);
    }
    let parent =
        opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(req.headers())));
    todo_telemetry::trace::set_remote_parent(&span, parent.span().span_context());
    let trace_id = todo_telemetry::trace::trace_id_hex(&span);
    (span, trace_id)
}

/// Records the response on the server span.
pub fn record_status(span: &Span, status: u16) {
    span.record("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.record("error.type", status.to_string());
        span.record("otel.status_code", "ERROR");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_bounded() {
        assert_eq!(
            route_template("/api/alice/tasks/12"),
            Some("/api/{user_id}/tasks/{id}")
        );
        assert_eq!(
            route_template("/api/bob/conversations/3/messages"),
            Some("/api/{user_id}/conversations/{id}/messages")
        );
        assert_eq!(route_template("/api/bob/chat"), Some("/api/{user_id}/chat"));
        assert_eq!(route_template("/docs/index.css"), Some("/docs"));
        assert_eq!(route_template("/health"), Some("/health"));
        assert_eq!(route_template("/no/such/thing"), None);
        assert_eq!(route_template("/"), None);
    }
}
