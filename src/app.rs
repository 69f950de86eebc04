//! The composition root: the only place where concrete types meet. It reads the settings,
//! builds the adapters, wraps them, and hands `Arc<dyn …>` to the use cases and the HTTP layer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use todo_agent::{Agent, AgentConfig, AgentRunner, Chat, ChatModel, ChatService};
use todo_conversation::{ConversationRepository, ConversationService, Conversations};
use todo_domain::TaskRepository;
use todo_http::observe::{MetricsSource, SummaryRow};
use todo_http::{HttpServer, HttpState, JwtAuth, RateLimiter};
use todo_postgres::{Database, StorageError};
use todo_telemetry::{Metrics, Timed, TimedOptions};
use todo_tools::{Tool, ToolSet};

use crate::config::{DEVELOPMENT_JWT_SECRET, LlmProvider, Settings};

/// The ports, built and wrapped, ready for any driving adapter (HTTP, MCP).
pub struct Ports {
    pub tasks: Arc<dyn TaskRepository>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub model: Arc<dyn ChatModel>,
    pub database: Database,
}

/// A built application: the listener is bound, the database connected and migrated.
pub struct Application {
    server: HttpServer,
    state: Arc<HttpState>,
    mcp: Option<poem::endpoint::BoxEndpoint<'static>>,
    database: Database,
    drain: Duration,
}

/// The JWT verifier for the configured secret (a development one, with a warning, when unset;
/// refused under the production profile).
///
/// # Errors
/// When the production profile has no secret.
pub fn jwt_auth(settings: &Settings) -> anyhow::Result<JwtAuth> {
    let secret = settings.auth.jwt_secret.expose();
    if secret.is_empty() {
        if settings.is_production() {
            bail!(
                "the production profile needs AUTH_JWT_SECRET (or BETTER_AUTH_SECRET); refusing to \
                 start with the development secret"
            );
        }
        tracing::warn!(
            "AUTH_JWT_SECRET is not set: using the development secret; set it outside development"
        );
        return Ok(JwtAuth::new(DEVELOPMENT_JWT_SECRET.as_bytes()));
    }
    Ok(JwtAuth::new(secret.as_bytes()))
}

fn database_settings(settings: &Settings) -> todo_postgres::DatabaseSettings {
    let db = &settings.database;
    todo_postgres::DatabaseSettings {
        url: db.url.expose().to_owned(),
        max_connections: db.max_connections,
        min_connections: db.min_connections,
        connect_timeout: Duration::from_secs(db.connect_timeout_secs),
        acquire_timeout: Duration::from_secs(db.acquire_timeout_secs),
        idle_timeout: (db.idle_timeout_secs > 0).then(|| Duration::from_secs(db.idle_timeout_secs)),
        sqlite_busy_timeout: Duration::from_millis(db.sqlite_busy_timeout_ms),
    }
}

/// Connects, retrying an unreachable database for `database.startup_timeout_secs`.
///
/// # Errors
/// When the database stays unreachable or refuses for another reason.
pub async fn connect(settings: &Settings) -> anyhow::Result<Database> {
    let db_settings = database_settings(settings);
    let deadline = Instant::now() + Duration::from_secs(settings.database.startup_timeout_secs);
    let mut wait = Duration::from_millis(200);
    loop {
        match Database::connect(&db_settings).await {
            Ok(db) => return Ok(db),
            Err(StorageError::Unavailable(reason)) if Instant::now() + wait < deadline => {
                tracing::warn!(error = %reason, retry_in_ms = wait.as_millis() as u64, "database unreachable; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)).with_context(|| {
                    format!(
                        "cannot connect to the database within {} s (DATABASE_CONNECT_TIMEOUT_SECS)",
                        settings.database.startup_timeout_secs
                    )
                });
            }
        }
    }
}

/// The model the settings choose.
///
/// # Errors
/// When the OpenAI provider is chosen without a usable base URL or client.
pub fn build_model(settings: &Settings) -> anyhow::Result<Arc<dyn ChatModel>> {
    match settings.llm.effective_provider() {
        LlmProvider::Offline | LlmProvider::Auto => Ok(Arc::new(todo_offline::OfflineModel::new())),
        LlmProvider::Openai => {
            let llm = &settings.llm;
            let model = todo_openai::OpenAiModel::new(todo_openai::OpenAiSettings {
                api_key: llm.api_key.expose().to_owned(),
                base_url: llm.base_url.clone(),
                model: llm.model.clone(),
                timeout: Duration::from_secs(llm.timeout_secs),
                max_retries: llm.max_retries,
                retry_base_delay: Duration::from_millis(llm.retry_base_delay_ms),
                max_retry_after: Duration::from_secs(llm.max_retry_after_secs),
            })
            .context("setting up the OpenAI-compatible model (OPENAI_BASE_URL, OPENAI_API_KEY)")?;
            Ok(Arc::new(model))
        }
    }
}

/// Connects and migrates (unless told not to), then builds every port.
///
/// # Errors
/// When the database or the model cannot be set up.
pub async fn build_ports(settings: &Settings, migrate: bool) -> anyhow::Result<Ports> {
    let model = build_model(settings)?;
    let database = connect(settings).await?;
    if migrate {
        database.migrate().await.context("applying migrations")?;
    }
    let options = timed_options(settings, database.backend().as_str());
    let tasks: Arc<dyn TaskRepository> = Arc::new(database.task_repository());
    let conversations: Arc<dyn ConversationRepository> =
        Arc::new(database.conversation_repository());
    Ok(Ports {
        tasks: Arc::new(Timed::new(tasks, options.clone())),
        conversations: Arc::new(Timed::new(conversations, options.clone())),
        model: Arc::new(Timed::new(model, options)),
        database,
    })
}

fn timed_options(settings: &Settings, db_system: &'static str) -> TimedOptions {
    TimedOptions {
        db_system,
        capture_content: settings.telemetry.capture_content,
        capture_max_chars: settings.telemetry.capture_max_chars,
    }
}

/// The five task tools over `tasks`, each timed (`mcp_tool_*`).
fn timed_tools(tasks: Arc<dyn TaskRepository>, options: &TimedOptions) -> ToolSet {
    ToolSet::task_tools(tasks, |tool| -> Arc<dyn Tool> {
        Arc::new(Timed::tool(tool, options.clone()))
    })
}

/// The telemetry's metrics, as the HTTP layer reads them.
struct MetricsFromTelemetry(Arc<Metrics>);

impl MetricsSource for MetricsFromTelemetry {
    fn prometheus_text(&self) -> String {
        self.0.render()
    }

    fn summary(&self) -> Vec<SummaryRow> {
        self.0
            .summary
            .report()
            .operations
            .into_iter()
            .map(|o| SummaryRow {
                operation: o.operation,
                count: o.count,
                errors: o.errors,
                p50_ms: o.p50_ms,
                p95_ms: o.p95_ms,
                p99_ms: o.p99_ms,
                max_ms: o.max_ms,
                target_p95_ms: o.target_p95_ms,
                within_target: o.within_target,
            })
            .collect()
    }
}

impl Application {
    /// Builds everything and binds the listener (port 0 picks a free port).
    ///
    /// # Errors
    /// When the configuration, the database or the address is unusable.
    pub async fn build(
        settings: &Settings,
        migrate: bool,
        metrics: Option<Arc<Metrics>>,
    ) -> anyhow::Result<Self> {
        let auth = jwt_auth(settings)?;
        let ports = build_ports(settings, migrate).await?;
        let options = timed_options(settings, ports.database.backend().as_str());
        let tools = timed_tools(ports.tasks.clone(), &options);
        let mcp = todo_mcp::http_endpoint(tools.clone(), settings.mcp.allowed_hosts.clone());
        let agent = Agent::new(
            ports.model.clone(),
            tools,
            AgentConfig {
                system_prompt: settings.llm.system_prompt.clone(),
                max_rounds: settings.llm.max_rounds,
            },
        );
        let conversations: Arc<dyn Conversations> =
            Arc::new(ConversationService::new(ports.conversations.clone()));
        let conversations: Arc<dyn Conversations> =
            Arc::new(Timed::new(conversations, options.clone()));
        let agent: Arc<dyn AgentRunner> = Arc::new(agent);
        let chat: Arc<dyn Chat> = Arc::new(
            ChatService::new(
                conversations.clone(),
                Arc::new(Timed::new(agent, options.clone())),
                settings.llm.history_limit,
            )
            .with_history_max_bytes(
                (settings.llm.history_max_bytes > 0).then_some(settings.llm.history_max_bytes),
            ),
        );
        let chat: Arc<dyn Chat> = Arc::new(Timed::new(chat, options));
        let state = Arc::new(HttpState {
            tasks: ports.tasks.clone(),
            conversations,
            chat,
            auth,
            limiter: RateLimiter::new(settings.rate_limit.per_minute, settings.rate_limit.burst),
            metrics: metrics.map(|m| {
                Arc::new(MetricsFromTelemetry(m)) as Arc<dyn todo_http::observe::MetricsSource>
            }),
        });
        let server = HttpServer::bind(&settings.server.host, settings.server.port)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {}:{}",
                    settings.server.host, settings.server.port
                )
            })?;
        Ok(Self {
            server,
            state,
            mcp: Some(mcp),
            database: ports.database,
            drain: Duration::from_secs(settings.server.shutdown_timeout_secs),
        })
    }

    #[must_use]
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Serves until SIGINT/SIGTERM, drains in-flight requests, then closes the database.
    ///
    /// # Errors
    /// I/O errors of the listener.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes (tests drive this directly).
    ///
    /// # Errors
    /// I/O errors of the listener.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr();
        tracing::info!(address = %addr, "serving HTTP");
        self.server
            .serve(self.state, self.mcp, shutdown, self.drain)
            .await
            .context("serving HTTP")?;
        tracing::info!("stopped accepting; in-flight requests drained");
        self.database.close().await;
        Ok(())
    }
}

/// `todo-chatbot mcp --user <id>`: the task tools over MCP on stdio, for that user, with the
/// same configuration as `serve` (migrations included).
///
/// # Errors
/// When the database cannot be reached or the transport fails.
pub async fn serve_mcp_stdio(settings: &Settings, user: todo_domain::UserId) -> anyhow::Result<()> {
    let ports = build_ports(settings, true).await?;
    let options = timed_options(settings, ports.database.backend().as_str());
    let tools = timed_tools(ports.tasks.clone(), &options);
    let outcome = todo_mcp::serve_stdio(tools, user).await;
    ports.database.close().await;
    outcome
}

/// The OpenAPI document, without a database or a listener.
#[must_use]
pub fn openapi_document() -> String {
    todo_http::openapi_json()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received: shutting down"),
        () = terminate => tracing::info!("SIGTERM received: shutting down"),
    }
}
