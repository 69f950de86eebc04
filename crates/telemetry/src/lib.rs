//! # todo-telemetry: logs, traces and metrics (outer layer)
//!
//! Sets up the process's log output. It may depend on the core crates (to wrap their ports)
//! and on tracing, tracing-subscriber and the OpenTelemetry crates; no core crate depends on
//! it: the composition root decides what is wrapped.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

/// Crates whose INFO output is noise (sqlx logs every statement at INFO).
const QUIET: &[&str] = &["sqlx=warn", "sea_orm=warn", "sea_orm_migration=warn", "hyper=warn"];

/// Parses a `RUST_LOG`-style filter and quiets the chatty dependencies unless the filter names
/// them itself.
///
/// # Errors
/// A message for a person when the filter does not parse.
pub fn parse_filter(filter: &str) -> Result<EnvFilter, String> {
    let mut directives = filter.trim().to_owned();
    for quiet in QUIET {
        let target = quiet.split('=').next().unwrap_or_default();
        if !directives.contains(target) {
            if !directives.is_empty() {
                directives.push(',');
            }
            directives.push_str(quiet);
        }
    }
    EnvFilter::builder().parse(&directives).map_err(|e| format!("cannot parse '{filter}': {e}"))
}

/// Installs the global subscriber writing to `writer`.
///
/// # Errors
/// When the filter does not parse or a subscriber is already installed.
pub fn init_logging<W>(format: LogFormat, filter: &str, writer: W) -> Result<(), String>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = parse_filter(filter)?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.pretty().try_init(),
    };
    result.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_quiet_sqlx() {
        let f = parse_filter("info").expect("filter");
        assert!(f.to_string().contains("sqlx=warn"));
        let f = parse_filter("debug,sqlx=debug").expect("filter");
        assert!(!f.to_string().contains("sqlx=warn"));
        assert!(parse_filter("info,[[[").is_err());
    }
}
