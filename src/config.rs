//! Typed configuration: the built-in `config/default.toml`, the configuration folder's
//! `default.toml` and `<profile>.toml`, then the environment (CONTRACT.md §1, plus
//! `APP__SECTION__KEY` for any key). Invalid configuration fails with the file and key named.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

const BUILTIN_DEFAULT: &str = include_str!("../config/default.toml");
const BUILTIN_PROFILES: &[(&str, &str)] = &[
    ("production", include_str!("../config/production.toml")),
    ("test", include_str!("../config/test.toml")),
];

/// The development secret used when none is configured (never in production).
pub const DEVELOPMENT_JWT_SECRET: &str = "todo-chatbot-development-secret-change-me";

/// A value that must never print: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub llm: LlmSettings,
    pub log: LogSettings,
    pub rate_limit: RateLimitSettings,
    pub telemetry: TelemetrySettings,
    pub mcp: McpSettings,
    /// The profile overlaid, if any (not read from files).
    #[serde(skip)]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: Secret,
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout_secs: u64,
    pub acquire_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    pub sqlite_busy_timeout_ms: u64,
    pub startup_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: Secret,
    pub token_ttl: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LlmProvider {
    #[serde(rename = "")]
    Auto,
    Openai,
    Offline,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSettings {
    pub provider: LlmProvider,
    pub api_key: Secret,
    pub base_url: String,
    pub model: String,
    pub timeout_secs: u64,
    pub max_retries: u32,
    pub retry_base_delay_ms: u64,
    pub max_retry_after_secs: u64,
    pub max_rounds: u32,
    pub history_limit: u32,
    /// The most bytes of history text the agent sees; 0 means no budget.
    pub history_max_bytes: u32,
    pub system_prompt: String,
}

impl LlmSettings {
    /// `openai` when chosen, or when left to us and a key is set; else `offline`.
    #[must_use]
    pub fn effective_provider(&self) -> LlmProvider {
        match self.provider {
            LlmProvider::Auto if self.api_key.is_empty() => LlmProvider::Offline,
            LlmProvider::Auto => LlmProvider::Openai,
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub per_minute: u32,
    pub burst: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpSettings {
    /// `Host` header values the streamable HTTP transport accepts (DNS-rebinding protection).
    pub allowed_hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    pub capture_content: bool,
    pub capture_max_chars: usize,
    pub summary_window_secs: u64,
    pub summary_max_samples: usize,
    pub chat_p95_target_ms: f64,
    pub db_p95_target_ms: f64,
    pub log_buffer_lines: usize,
    pub shutdown_timeout_secs: u64,
}

/// Configuration that cannot be used; the message names the file and the key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

/// The contract's environment variables and the key each one sets.
const ENV_KEYS: &[(&str, &str)] = &[
    ("HOST", "server.host"),
    ("PORT", "server.port"),
    ("DATABASE_URL", "database.url"),
    (
        "DATABASE_CONNECT_TIMEOUT_SECS",
        "database.startup_timeout_secs",
    ),
    ("BETTER_AUTH_SECRET", "auth.jwt_secret"),
    ("AUTH_JWT_SECRET", "auth.jwt_secret"),
    ("LLM_PROVIDER", "llm.provider"),
    ("OPENAI_API_KEY", "llm.api_key"),
    ("OPENAI_BASE_URL", "llm.base_url"),
    ("OPENAI_MODEL", "llm.model"),
    ("LLM_TIMEOUT_SECS", "llm.timeout_secs"),
    ("LLM_MAX_RETRIES", "llm.max_retries"),
    ("LOG_FORMAT", "log.format"),
    ("RUST_LOG", "log.filter"),
    ("RATE_LIMIT_PER_MINUTE", "rate_limit.per_minute"),
    ("RATE_LIMIT_BURST", "rate_limit.burst"),
    ("TELEMETRY_CAPTURE_CONTENT", "telemetry.capture_content"),
];

impl Settings {
    /// Loads from the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and key of the first bad value.
    pub fn load(profile: Option<&str>) -> Result<Self, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(profile, &env)
    }

    /// Loads with an explicit environment (tests).
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and key of the first bad value.
    pub fn load_from(profile: Option<&str>, env: &[(String, String)]) -> Result<Self, ConfigError> {
        let var = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let profile = profile
            .map(str::to_owned)
            .or_else(|| var("APP_PROFILE"))
            .filter(|p| !p.is_empty());
        let dir = PathBuf::from(var("APP_CONFIG_DIR").unwrap_or_else(|| "config".to_owned()));
        if var("APP_CONFIG_DIR").is_some() && !dir.is_dir() {
            return Err(ConfigError(format!(
                "APP_CONFIG_DIR names {}, which is not a folder",
                dir.display()
            )));
        }

        let mut builder =
            Config::builder().add_source(File::from_str(BUILTIN_DEFAULT, FileFormat::Toml));
        builder = builder.add_source(file_in(&dir, "default").required(false));
        if let Some(name) = &profile {
            let path = dir.join(format!("{name}.toml"));
            if path.is_file() {
                builder = builder.add_source(file_in(&dir, name));
            } else if let Some((_, text)) = BUILTIN_PROFILES.iter().find(|(n, _)| n == name) {
                builder = builder.add_source(File::from_str(text, FileFormat::Toml));
            } else {
                return Err(ConfigError(format!(
                    "profile '{name}': {} does not exist",
                    path.display()
                )));
            }
        }
        builder = builder.add_source(
            Environment::default()
                .prefix("APP")
                .prefix_separator("__")
                .separator("__")
                .source(Some(env.iter().cloned().collect())),
        );
        for (name, key) in ENV_KEYS {
            if let Some(value) = var(name) {
                builder = builder
                    .set_override(*key, value)
                    .map_err(|e| ConfigError(format!("{name}: {e}")))?;
            }
        }
        let config = builder.build().map_err(|e| ConfigError(e.to_string()))?;
        let mut settings: Settings = config
            .try_deserialize()
            .map_err(|e| ConfigError(describe(&e)))?;
        settings.profile = profile;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database.url.expose();
        if !(url.starts_with("postgres://")
            || url.starts_with("postgresql://")
            || url.starts_with("sqlite:"))
        {
            return Err(ConfigError(
                "database.url (DATABASE_URL) must start with postgres:// or sqlite://".into(),
            ));
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError(
                "database.max_connections must be at least 1".into(),
            ));
        }
        if self.llm.max_rounds == 0 {
            return Err(ConfigError("llm.max_rounds must be at least 1".into()));
        }
        if !(1..=200).contains(&self.llm.history_limit) {
            return Err(ConfigError(
                "llm.history_limit must be between 1 and 200".into(),
            ));
        }
        parse_duration(&self.auth.token_ttl)
            .map_err(|e| ConfigError(format!("auth.token_ttl: {e}")))?;
        todo_telemetry::parse_filter(&self.log.filter)
            .map_err(|e| ConfigError(format!("log.filter (RUST_LOG): {e}")))?;
        Ok(())
    }

    /// Whether the production profile is active.
    #[must_use]
    pub fn is_production(&self) -> bool {
        self.profile.as_deref() == Some("production")
    }
}

fn file_in(dir: &Path, name: &str) -> File<config::FileSourceFile, FileFormat> {
    File::new(
        &dir.join(format!("{name}.toml")).to_string_lossy(),
        FileFormat::Toml,
    )
}

/// The config crate says "for key `x`"; make sure an environment variable is named too.
fn describe(e: &config::ConfigError) -> String {
    let text = e.to_string();
    for (name, key) in ENV_KEYS {
        if text.contains(&format!("`{key}`")) {
            return format!("{text} (set by {name} or the configuration files)");
        }
    }
    text
}

/// `90s`, `30m`, `24h`, `7d`, or plain seconds.
///
/// # Errors
/// A message for a person when the text is none of those.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a duration like 24h"))?;
    let factor = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("'{text}': unit must be s, m, h or d")),
    };
    if n == 0 {
        return Err(format!("'{text}' must be longer than zero"));
    }
    n.checked_mul(factor)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("'{text}' is too long"))
}
