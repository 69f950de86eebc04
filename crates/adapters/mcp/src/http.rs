//! MCP's streamable HTTP transport as a poem endpoint.
//!
//! rmcp's [`StreamableHttpService`] is a tower service; poem's tower-compat mounts it. Around
//! it, [`McpEndpoint`] checks that the bearer guard of `todo-http` authenticated the request
//! (401 otherwise: defence in depth) and binds each session to the user who opened it: a
//! request naming another user's session id is answered 404, as if the session did not exist
//! (CONTRACT.md: another user's resource is 404). The tools themselves read the user from
//! every request again, so nothing about a user is kept in a session either way.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use poem::endpoint::{BoxEndpoint, TowerCompatExt};
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use todo_domain::UserId;
use todo_tools::ToolSet;

use crate::server::{HttpSpan, Identity, SESSION_HEADER, TaskToolsServer};

/// Below this many bound sessions, closed ones are not looked for.
const MIN_PRUNE_AT: usize = 64;

/// See [`crate::http_endpoint`].
pub(crate) fn endpoint(tools: ToolSet, allowed_hosts: Vec<String>) -> BoxEndpoint<'static> {
    let server = TaskToolsServer::new(tools, Identity::PerRequest, "tcp");
    let sessions = Arc::new(LocalSessionManager::default());
    let config = StreamableHttpServerConfig::default().with_allowed_hosts(allowed_hosts);
    let service = StreamableHttpService::new(move || Ok(server.clone()), sessions.clone(), config);
    McpEndpoint {
        inner: service.compat(),
        owners: Arc::new(SessionOwners::new(sessions)),
    }
    .boxed()
}

struct McpEndpoint<E> {
    inner: E,
    owners: Arc<SessionOwners>,
}

impl<E: Endpoint<Output = Response>> Endpoint for McpEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let Some(user) = req.data::<UserId>().cloned() else {
            return Ok(unauthorized());
        };
        let session = req
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(id) = &session
            && !self.owners.may_use(id, &user)
        {
            tracing::warn!(
                user.id = user.as_str(),
                "MCP request for another user's session"
            );
            return Ok(session_not_found());
        }
        req.extensions_mut()
            .insert(HttpSpan(tracing::Span::current()));
        let deleting = req.method() == Method::DELETE;
        let mut resp = self.inner.call(req).await?;
        if deleting && resp.status() == StatusCode::ACCEPTED {
            // rmcp answers a session's DELETE 202; the Python SDK expects 200 or 204 and
            // warns otherwise. Nothing is pending: the session is gone.
            resp.set_status(StatusCode::NO_CONTENT);
            resp.set_body(poem::Body::empty());
        }
        if resp.status().is_success() {
            match session {
                None => {
                    if let Some(id) = resp
                        .headers()
                        .get(SESSION_HEADER)
                        .and_then(|v| v.to_str().ok())
                    {
                        self.owners.bind(id.to_owned(), user).await;
                    }
                }
                Some(id) if deleting => self.owners.forget(&id),
                Some(_) => {}
            }
        }
        Ok(resp)
    }
}

/// Which user opened each live session.
struct SessionOwners {
    sessions: Arc<LocalSessionManager>,
    state: Mutex<Owners>,
}

struct Owners {
    by_session: HashMap<String, UserId>,
    /// Sessions also end by rmcp's inactivity timeout, which nobody here hears of: when the
    /// map reaches this size, entries of sessions rmcp no longer has are dropped.
    prune_at: usize,
}

impl SessionOwners {
    fn new(sessions: Arc<LocalSessionManager>) -> Self {
        Self {
            sessions,
            state: Mutex::new(Owners {
                by_session: HashMap::new(),
                prune_at: MIN_PRUNE_AT,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Owners> {
        // The map stays consistent whatever panicked while holding it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `user` may use session `id`. An unknown id is left to rmcp, which answers 404.
    fn may_use(&self, id: &str, user: &UserId) -> bool {
        self.lock()
            .by_session
            .get(id)
            .is_none_or(|owner| owner == user)
    }

    async fn bind(&self, id: String, user: UserId) {
        let prune = {
            let mut state = self.lock();
            state.by_session.insert(id, user);
            state.by_session.len() >= state.prune_at
        };
        if prune {
            // A session is in rmcp's map before its id is sent, so every bound live
            // session is in this snapshot.
            let live: HashSet<Arc<str>> = self
                .sessions
                .sessions
                .read()
                .await
                .keys()
                .cloned()
                .collect();
            let mut state = self.lock();
            state.by_session.retain(|id, _| live.contains(id.as_str()));
            state.prune_at = (state.by_session.len() * 2).max(MIN_PRUNE_AT);
        }
    }

    fn forget(&self, id: &str) {
        self.lock().by_session.remove(id);
    }
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    (status, poem::web::Json(body)).into_response()
}

/// The contract's 401, with the challenge MCP clients look for.
fn unauthorized() -> Response {
    let mut resp = error_response(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a bearer token is required",
    );
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

fn session_not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        "MCP session not found; initialize a new one",
    )
}
