//! What runs around every handler: the trace id header, the authentication and rate-limit
//! guard for `/api/{user_id}/…`, the body checks, and the error envelope.

use std::sync::Arc;

use poem::http::{HeaderValue, Method, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use todo_domain::UserId;
use tracing::Instrument;

use crate::error::{ApiError, from_poem_error};
use crate::{BODY_LIMIT_BYTES, HttpState};

/// The user the verified token names, for the handlers.
#[derive(Debug, Clone)]
pub struct AuthUser(pub UserId);

/// The trace id of the request, as a response header.
pub const TRACE_ID_HEADER: &str = "x-trace-id";

/// The trace id of an incoming W3C `traceparent`, when it is well formed.
fn traceparent_trace_id(req: &Request) -> Option<String> {
    let value = req.headers().get("traceparent")?.to_str().ok()?;
    let mut parts = value.split('-');
    let (_version, trace_id) = (parts.next()?, parts.next()?);
    let valid = trace_id.len() == 32
        && trace_id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && trace_id.bytes().any(|b| b != b'0');
    valid.then(|| trace_id.to_owned())
}

/// The outermost layer: every response, errors and unknown paths included, leaves in the
/// contract's error shape and with an `x-trace-id`.
pub async fn outer<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let (span, trace_id) = crate::observe::server_span(&req);
    let trace_id = trace_id
        .or_else(|| traceparent_trace_id(&req))
        .unwrap_or_else(uuid_like_trace_id);
    let mut resp = async move {
        match ep.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) if e.is_from_response() => e.into_response(),
            Err(e) => from_poem_error(&e).into_response(),
        }
    }
    .instrument(span.clone())
    .await;
    crate::observe::record_status(&span, resp.status().as_u16());
    if let Ok(v) = HeaderValue::from_str(&trace_id) {
        resp.headers_mut().insert(TRACE_ID_HEADER, v);
    }
    Ok(resp)
}

/// A random, non-zero 128-bit trace id in lowercase hex, for when no telemetry is installed
/// (the OpenTelemetry trace id is used when it is).
fn uuid_like_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// For `/api/{user_id}/…`: a valid token (401), for that user (403), within budget (429);
/// then, for a body-carrying method, a body within the limit (413) that is JSON (400).
/// For `/mcp…`: a valid token within budget; the token's `UserId` goes into the request data.
pub async fn guard<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
    state: Arc<HttpState>,
) -> poem::Result<Response> {
    let (path_user, mcp) = {
        let mut segments = req.uri().path().split('/').skip(1);
        match (segments.next(), segments.next()) {
            (Some("api"), Some(user)) => (Some(user.to_owned()), false),
            (Some("mcp"), _) => (None, true),
            _ => (None, false),
        }
    };
    if path_user.is_none() && !mcp {
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    let Some(token) = bearer(&req) else {
        return Ok(ApiError::unauthorized("a bearer token is required").into_response());
    };
    let user = match state.auth.verify(token) {
        Ok(user) => user,
        Err(e) => return Ok(ApiError::from(e).into_response()),
    };
    if path_user.is_some_and(|p| user.as_str() != percent_decode(&p)) {
        return Ok(ApiError::forbidden().into_response());
    }
    if let Err(retry_after) = state.limiter.check(user.as_str()) {
        return Ok(ApiError::rate_limited(retry_after).into_response());
    }
    if mcp {
        // MCP's transport reads its own body (and streams); it acts for the token's user.
        req.set_data(user);
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    if matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH)
        && let Err(e) = check_json_body(&mut req).await
    {
        return Ok(e.into_response());
    }
    req.set_data(AuthUser(user));
    ep.call(req).await.map(IntoResponse::into_response)
}

async fn check_json_body(req: &mut Request) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT_BYTES) {
        return Err(ApiError::payload_too_large(BODY_LIMIT_BYTES));
    }
    let bytes = req
        .take_body()
        .into_bytes_limit(BODY_LIMIT_BYTES)
        .await
        .map_err(|e| match e {
            poem::error::ReadBodyError::PayloadTooLarge => {
                ApiError::payload_too_large(BODY_LIMIT_BYTES)
            }
            other => ApiError::bad_request(format!("could not read the body: {other}")),
        })?;
    // PATCH …/complete carries no body; POST and PUT need one.
    if bytes.is_empty() && *req.method() == Method::PATCH {
        return Ok(());
    }
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "the request body is empty; send a JSON object",
        ));
    }
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
        return Err(ApiError::bad_request(format!(
            "the body is not valid JSON: {e}"
        )));
    }
    // Valid JSON whatever the declared type (curl -d sends a form type): read it as JSON.
    req.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    req.set_body(bytes);
    Ok(())
}

/// Decodes `%XX` escapes of a path segment (user ids with reserved characters).
fn percent_decode(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_owned();
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.extend(u8::try_from(hi * 16 + lo).ok());
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("alice"), "alice");
        assert_eq!(percent_decode("a%40b"), "a@b");
        assert_eq!(percent_decode("a%4"), "a%4");
        assert_eq!(percent_decode("%41"), "A");
        assert_eq!(percent_decode("%é%"), "%é%", "no panic on multibyte text");
    }

    #[test]
    fn trace_ids_are_32_hex_and_distinct() {
        let a = uuid_like_trace_id();
        let b = uuid_like_trace_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
