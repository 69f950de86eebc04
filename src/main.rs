//! `todo-chatbot`: the command line. See CONTRACT.md §1.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use todo_chatbot::app::{self, Application};
use todo_chatbot::config::{LogFormat, Settings, parse_duration};
use todo_telemetry::{Metrics, OtlpSettings, Targets, Telemetry, TelemetrySettings};

#[derive(Debug, Parser)]
#[command(
    name = "todo-chatbot",
    version,
    about = "Manage a to-do list by chatting with an AI agent"
)]
struct Cli {
    /// Overlay config/<NAME>.toml on the defaults (same as APP_PROFILE).
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (migrates the database first unless --no-migrate).
    Serve {
        /// Do not apply migrations at start.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply migrations and exit.
    Migrate,
    /// Print a signed JWT for USER_ID with the configured secret.
    Token {
        user_id: String,
        /// How long the token is valid: 90s, 30m, 24h, 7d.
        #[arg(long, value_parser = parse_duration)]
        ttl: Option<std::time::Duration>,
    },
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Serve the task tools over MCP on stdio for one user (logs go to stderr).
    Mcp {
        /// The user the tools act for.
        #[arg(long)]
        user: String,
    },
}

/// jemalloc (see Cargo.toml and BENCHMARKS.md, "The allocator").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // reqwest (the OTLP/HTTP exporter, the OpenAI adapter) is built without a TLS provider of
    // its own; it shares rustls's ring provider with sqlx. Installed once, before any client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let settings = match Settings::load(cli.profile.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("todo-chatbot: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("todo-chatbot: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let telemetry_settings = match telemetry_settings(&settings) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("todo-chatbot: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    // Subcommands whose stdout is their product (token, openapi, the MCP protocol) log to
    // stderr.
    let to_stdout = matches!(cli.command, Command::Serve { .. } | Command::Migrate);
    let telemetry = {
        let _inside = runtime.enter();
        if to_stdout {
            Telemetry::init(&telemetry_settings, std::io::stdout())
        } else {
            Telemetry::init(&telemetry_settings, std::io::stderr())
        }
    };
    let telemetry = match telemetry {
        Ok(t) => t,
        Err(e) => {
            eprintln!("todo-chatbot: cannot set up telemetry: {e}");
            return ExitCode::from(2);
        }
    };
    let shutdown_timeout = Duration::from_secs(settings.telemetry.shutdown_timeout_secs);
    let outcome = runtime.block_on(run(cli.command, settings, telemetry.metrics()));
    if let Err(e) = &outcome {
        tracing::error!(error = %format!("{e:#}"), "todo-chatbot failed");
    }
    // Off the async worker threads: flush spans within a bounded time, then the log buffer.
    runtime.shutdown_timeout(Duration::from_secs(1));
    telemetry.shutdown(shutdown_timeout);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("todo-chatbot: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The telemetry's settings: the log format and filter and the summary from the
/// configuration, the export from the standard `OTEL_*` variables.
fn telemetry_settings(settings: &Settings) -> Result<TelemetrySettings, String> {
    let t = &settings.telemetry;
    Ok(TelemetrySettings {
        format: match settings.log.format {
            LogFormat::Json => todo_telemetry::LogFormat::Json,
            LogFormat::Pretty => todo_telemetry::LogFormat::Pretty,
        },
        filter: settings.log.filter.clone(),
        otlp: OtlpSettings::from_env(&|name| std::env::var(name).ok())?,
        summary_window: Duration::from_secs(t.summary_window_secs),
        summary_max_samples: t.summary_max_samples,
        targets: Targets {
            operations: [("chat_endpoint".to_owned(), t.chat_p95_target_ms)].into(),
            database_p95_ms: Some(t.db_p95_target_ms),
        },
        log_buffer_lines: t.log_buffer_lines,
    })
}

async fn run(command: Command, settings: Settings, metrics: Arc<Metrics>) -> anyhow::Result<()> {
    match command {
        Command::Serve { no_migrate } => {
            let app = Application::build(&settings, !no_migrate, Some(metrics)).await?;
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let db = app::connect(&settings).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            db.close().await;
            Ok(())
        }
        Command::Token { user_id, ttl } => {
            let user = todo_domain::UserId::parse(user_id)?;
            let ttl = match ttl {
                Some(ttl) => ttl,
                None => parse_duration(&settings.auth.token_ttl).map_err(anyhow::Error::msg)?,
            };
            let token = app::jwt_auth(&settings)?.issue(&user, ttl)?;
            println!("{token}");
            Ok(())
        }
        Command::Openapi => {
            println!("{}", app::openapi_document());
            Ok(())
        }
        Command::Mcp { user } => {
            let user = todo_domain::UserId::parse(user)?;
            app::serve_mcp_stdio(&settings, user).await
        }
    }
}
