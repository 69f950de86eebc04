//! # todo-mcp: the task tools over MCP (driving adapter)
//!
//! The five task tools of a [`ToolSet`] served with the official Rust SDK (`rmcp`), on two
//! transports: stdio for one user ([`serve_stdio`], `todo-chatbot mcp --user <id>`), and
//! streamable HTTP for whoever the bearer token names ([`http_endpoint`], mounted at `/mcp` by
//! `todo-http` behind its authentication guard). Depends on `todo-domain`, `todo-tools`,
//! rmcp and poem; never on a storage adapter: the tools arrive already built and wrapped.
//!
//! # What a client sees
//! - `tools/list`: the [`ToolSet::definitions`], names, descriptions and input schemas as they
//!   are (one source for the agent and MCP).
//! - `tools/call`: the tool's JSON result as `structuredContent` plus the same JSON as a text
//!   block. A tool that cannot do its work (invalid argument, unknown task) answers a result
//!   with `isError: true` and the contract's `{"error": "…"}` in both places; so does the
//!   store being down, with a message that says the service is unavailable and no detail.
//! - An unknown tool name is a JSON-RPC error `-32602` (invalid params), as the MCP
//!   specification prescribes for unknown tools.
//!
//! # Layout
//! - `server`: the rmcp `ServerHandler` and the `tools/call {tool}` span.
//! - `http`: the streamable HTTP service in poem, the 401 and the session-to-user binding.

mod http;
mod server;

use poem::endpoint::BoxEndpoint;
use rmcp::ServiceExt;
use todo_domain::UserId;
use todo_tools::ToolSet;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::server::{Identity, TaskToolsServer};

/// The streamable HTTP transport as a poem endpoint, to be nested at `/mcp`.
///
/// The request must carry the authenticated [`UserId`] in its data (`req.set_data(user)`, as
/// the bearer guard of `todo-http` does); without it the answer is 401 in the contract's error
/// shape. Sessions (rmcp's in-memory `LocalSessionManager`) are bound to the user who opened
/// them; every call acts for the user of its own request. `allowed_hosts` are the `Host`
/// header values accepted (DNS-rebinding protection; entries without a port match any port;
/// an empty list accepts every host).
#[must_use]
pub fn http_endpoint(tools: ToolSet, allowed_hosts: Vec<String>) -> BoxEndpoint<'static> {
    http::endpoint(tools, allowed_hosts)
}

/// Serves the tools over MCP on stdin/stdout for `user`, until the client closes stdin.
///
/// # Errors
/// When the handshake fails or the transport breaks.
pub async fn serve_stdio(tools: ToolSet, user: UserId) -> anyhow::Result<()> {
    let (reader, writer) = rmcp::transport::stdio_pipes();
    serve_io(tools, user, reader, writer).await
}

/// Serves the tools over MCP for `user` on any byte stream pair (newline-delimited JSON-RPC,
/// as on stdio), until the reader ends.
///
/// # Errors
/// When the handshake fails or the transport breaks.
pub async fn serve_io<R, W>(
    tools: ToolSet,
    user: UserId,
    reader: R,
    writer: W,
) -> anyhow::Result<()>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    tracing::info!(user.id = user.as_str(), "serving MCP over stdio");
    let server = TaskToolsServer::new(tools, Identity::Fixed(user), "pipe");
    let running = server.serve((reader, writer)).await?;
    let reason = running.waiting().await?;
    tracing::info!(?reason, "MCP client disconnected");
    Ok(())
}
