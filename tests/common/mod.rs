//! Spawns the real application (composition root, real database, real HTTP server on a free
//! port) for the end-to-end tests, and the helpers they share.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

use std::time::Duration;

use reqwest::{Method, Response};
use serde_json::Value;
use todo_chatbot::app::Application;
use todo_chatbot::config::Settings;
use todo_domain::UserId;
use todo_http::JwtAuth;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const SECRET: &str = "end-to-end-test-secret";

/// reqwest is built without a TLS provider of its own (the app installs ring's at start);
/// a test's client needs the same.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Where a test's data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL for PostgreSQL tests. Under `CI=true` its absence fails the test; on a laptop
/// without it the test is skipped, loudly.
pub fn pg_admin_url(test: &str) -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{test}: TEST_DATABASE_URL must be set when CI=true (PostgreSQL tests must run)")
        }
        _ => {
            eprintln!("SKIPPED {test}: PostgreSQL tests need TEST_DATABASE_URL");
            None
        }
    }
}

/// A fresh, empty PostgreSQL database; returns its URL and name.
pub async fn fresh_pg_database(admin: &str) -> (String, String) {
    use sea_orm::ConnectionTrait;
    let name = format!("e2e_{}", uuid::Uuid::new_v4().simple());
    let conn = sea_orm::Database::connect(admin)
        .await
        .expect("connect to the admin database");
    conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    conn.close().await.ok();
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    (format!("{base}/{name}"), name)
}

pub async fn drop_pg_database(admin: &str, name: &str) {
    use sea_orm::ConnectionTrait;
    if let Ok(conn) = sea_orm::Database::connect(admin).await {
        let _ = conn
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
        conn.close().await.ok();
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database_url: String,
    auth: JwtAuth,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
    dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// The environment every spawned app gets, plus `extra`.
pub fn env(database_url: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("APP_PROFILE".into(), "test".into()),
        ("PORT".into(), "0".into()),
        ("DATABASE_URL".into(), database_url.into()),
        ("AUTH_JWT_SECRET".into(), SECRET.into()),
        ("LLM_PROVIDER".into(), "offline".into()),
    ];
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push(((*k).into(), (*v).into()));
    }
    env
}

impl TestApp {
    /// The app on a fresh database of that backend; `None` when PostgreSQL is skipped.
    pub async fn spawn(backend: Backend, test: &str) -> Option<Self> {
        Self::spawn_with(backend, test, &[]).await
    }

    pub async fn spawn_with(backend: Backend, test: &str, extra: &[(&str, &str)]) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}/todo.db?mode=rwc", dir.path().display());
                let mut app = Self::start(&url, extra).await;
                app.dir = Some(dir);
                Some(app)
            }
            Backend::Postgres => {
                let admin = pg_admin_url(test)?;
                let (url, name) = fresh_pg_database(&admin).await;
                let mut app = Self::start(&url, extra).await;
                app.pg = Some((admin, name));
                Some(app)
            }
        }
    }

    /// The app on a given database URL.
    pub async fn start(database_url: &str, extra: &[(&str, &str)]) -> Self {
        install_tls_provider();
        let settings = Settings::load_from(None, &env(database_url, extra)).expect("settings");
        let app = Application::build(&settings, true, None)
            .await
            .expect("build the application");
        let base = format!("http://{}", app.local_addr());
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Self {
            base,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
            database_url: database_url.to_owned(),
            auth: JwtAuth::new(SECRET.as_bytes()),
            shutdown: Some(tx),
            handle: Some(handle),
            dir: None,
            pg: None,
        }
    }

    pub fn token(&self, user: &str) -> String {
        self.auth
            .issue(
                &UserId::parse(user).expect("user"),
                Duration::from_secs(3600),
            )
            .expect("token")
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request")
    }

    /// `method path` as `user` (with a valid token of that user).
    pub async fn as_user(
        &self,
        user: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        self.call(method, path, Some(&self.token(user)), body).await
    }

    pub async fn chat(&self, user: &str, conversation: Option<i64>, message: &str) -> Value {
        let body = serde_json::json!({"conversation_id": conversation, "message": message});
        let resp = self
            .as_user(
                user,
                Method::POST,
                &format!("/api/{user}/chat"),
                Some(&body),
            )
            .await;
        assert_eq!(resp.status(), 200, "chat {message:?}");
        resp.json().await.expect("json")
    }

    /// Stops serving (graceful), keeping the data (the temp dir lives on in the returned value).
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        self.shutdown_server().await;
        if let Some((admin, name)) = self.pg.take() {
            drop_pg_database(&admin, &name).await;
        }
        self.dir.take()
    }

    async fn shutdown_server(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task").expect("server result");
        }
    }
}

/// Asserts the contract's error shape and status, and returns the code.
pub async fn assert_error(resp: Response, status: u16) -> String {
    let url = resp.url().clone();
    if resp.status() != status {
        let got = resp.status();
        let text = resp.text().await.unwrap_or_default();
        panic!("{url}: expected {status}, got {got}: {text}");
    }
    assert!(
        resp.headers().contains_key("x-trace-id"),
        "x-trace-id on an error"
    );
    let body: Value = resp.json().await.expect("error body is JSON");
    let error = body
        .get("error")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("envelope: {body}"));
    assert_eq!(
        body.as_object().map(serde_json::Map::len),
        Some(1),
        "{body}"
    );
    let code = error
        .get("code")
        .and_then(Value::as_str)
        .expect("code")
        .to_owned();
    assert!(
        code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "snake_case code: {code}"
    );
    assert!(
        error
            .get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    code
}
