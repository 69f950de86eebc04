//! # todo-http: the HTTP API (driving adapter)
//!
//! poem + poem-openapi routes for CONTRACT.md §2, JWT authentication, per-user rate limiting,
//! body checks and the one mapping from errors to statuses ([`error`]). Depends on the core
//! crates, on poem, and on `todo-telemetry` for the server span's trace context (continuing a
//! `traceparent`, reading the trace id); never on a storage or model adapter: it receives
//! ports as `Arc<dyn …>`.

pub mod auth;
pub mod error;
pub mod middleware;
pub mod rate_limit;

mod api;
pub mod observe;
mod payload;
mod text;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use poem::endpoint::BoxEndpoint;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, Route, Server};
use poem_openapi::OpenApiService;
use todo_agent::Chat;
use todo_conversation::Conversations;
use todo_domain::TaskRepository;

pub use auth::JwtAuth;
pub use rate_limit::RateLimiter;

/// The largest request body accepted (64 KiB); larger is 413.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// What the handlers need: ports and use cases, already wrapped by the composition root.
pub struct HttpState {
    pub tasks: Arc<dyn TaskRepository>,
    pub conversations: Arc<dyn Conversations>,
    pub chat: Arc<dyn Chat>,
    pub auth: JwtAuth,
    pub limiter: RateLimiter,
    /// `/metrics` and `/metrics/summary`; `None` serves them empty.
    pub metrics: Option<Arc<dyn observe::MetricsSource>>,
}

fn service(state: Option<Arc<HttpState>>) -> OpenApiService<api::Api, ()> {
    OpenApiService::new(
        api::Api { state },
        "todo-chatbot",
        env!("CARGO_PKG_VERSION"),
    )
    .description("Manage a to-do list by chatting with an AI agent.")
}

/// The OpenAPI 3 document, as JSON (it depends on the routes only, not on any state).
#[must_use]
pub fn openapi_json() -> String {
    service(None).spec()
}

/// The whole application as one endpoint. `mcp`, when given, is mounted at `/mcp` behind the
/// same bearer authentication as the API; it finds the token's [`todo_domain::UserId`] in the
/// request data.
pub fn endpoint(
    state: Arc<HttpState>,
    mcp: Option<BoxEndpoint<'static>>,
) -> impl Endpoint + 'static {
    let api = service(Some(state.clone()));
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let guard_state = state.clone();
    let mut route = Route::new()
        .nest("/", api)
        .at("/openapi.json", spec)
        .nest("/docs", docs);
    if let Some(mcp) = mcp {
        route = route.nest("/mcp", mcp);
    }
    route
        .around(move |ep, req| middleware::guard(ep, req, guard_state.clone()))
        .around(middleware::outer)
}

/// A bound HTTP server, not yet serving.
pub struct HttpServer {
    acceptor: NoDelay,
    addr: SocketAddr,
}

/// poem's TCP acceptor, each connection with `TCP_NODELAY` set: a response sent in more than
/// one write (a chat answer's listing is a piece of its own, see `payload::Pieces`) could
/// otherwise have its last small segment held back by Nagle's algorithm until the client's
/// delayed ACK, up to 40 ms (the SQLite `new` load scenario's p99 rose from ~25 to 28-46 ms
/// with it off; BENCHMARKS.md, "The eighteenth pass").
struct NoDelay(poem::listener::TcpAcceptor);

impl Acceptor for NoDelay {
    type Io = tokio::net::TcpStream;

    fn local_addr(&self) -> Vec<poem::web::LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> std::io::Result<(
        Self::Io,
        poem::web::LocalAddr,
        poem::web::RemoteAddr,
        poem::http::uri::Scheme,
    )> {
        let accepted = self.0.accept().await?;
        // A socket that refuses the option still serves, as before.
        if let Err(e) = accepted.0.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set on an accepted connection");
        }
        Ok(accepted)
    }
}

impl HttpServer {
    /// Binds `host:port` (port 0 picks a free one).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn bind(host: &str, port: u16) -> std::io::Result<Self> {
        let acceptor = TcpListener::bind(format!("{host}:{port}"))
            .into_acceptor()
            .await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| std::io::Error::other("the listener has no socket address"))?;
        Ok(Self {
            acceptor: NoDelay(acceptor),
            addr,
        })
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then stops accepting and lets in-flight requests
    /// finish for at most `drain`.
    ///
    /// # Errors
    /// I/O errors of the listener.
    pub async fn serve(
        self,
        state: Arc<HttpState>,
        mcp: Option<BoxEndpoint<'static>>,
        shutdown: impl Future<Output = ()> + Send,
        drain: Duration,
    ) -> std::io::Result<()> {
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(endpoint(state, mcp), shutdown, Some(drain))
            .await
    }
}

#[cfg(test)]
mod tests {
    use poem::listener::{Acceptor, AcceptorExt, Listener, TcpListener};
    use tokio::io::AsyncWrite;

    /// poem serves every connection through its boxed IO (`run_with_graceful_shutdown` boxes
    /// the acceptor). Our copy of poem (vendor/poem) passes vectored writes on, so hyper writes
    /// a response's head and body in one call instead of first copying the body into the
    /// connection's buffer (which then keeps the capacity of the largest body it sent).
    #[tokio::test]
    async fn served_connections_take_vectored_writes() {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind");
        let addr = *acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("a socket address");
        let mut acceptor = acceptor.boxed();
        let (accepted, client) =
            tokio::join!(acceptor.accept(), tokio::net::TcpStream::connect(addr));
        let (io, ..) = accepted.expect("accept");
        assert!(client.expect("connect").is_write_vectored());
        assert!(io.is_write_vectored());
    }

    /// Every connection the server accepts has `TCP_NODELAY` set (see [`NoDelay`]).
    #[tokio::test]
    async fn accepted_connections_send_without_delay() {
        let mut server = super::HttpServer::bind("127.0.0.1", 0).await.expect("bind");
        let addr = server.local_addr();
        let (accepted, client) = tokio::join!(
            server.acceptor.accept(),
            tokio::net::TcpStream::connect(addr)
        );
        let (io, ..) = accepted.expect("accept");
        assert!(!client.expect("connect").nodelay().expect("client"));
        assert!(io.nodelay().expect("accepted"));
    }
}
