//! The built binary, started as a user would: `serve` on a free port, then the README's
//! walkthrough over HTTP; `token`, `openapi`, `migrate` and configuration errors.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_todo-chatbot");

fn client() -> reqwest::Client {
    // reqwest has no TLS provider of its own in this build (the app installs ring's).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn command(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    // Run from an empty folder, as a user who downloaded the binary would: built-in defaults.
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AUTH_JWT_SECRET", "binary-test-secret");
    cmd
}

struct Server {
    child: Child,
    base: String,
    output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    fn start(dir: &std::path::Path, extra: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut cmd = command(dir);
        cmd.arg("serve")
            .env("PORT", port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn todo-chatbot serve");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    output.lock().expect("lock").push(line);
                }
            });
        }
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "serve exited early with {status}: {:?}",
                    output.lock().expect("lock")
                );
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            base,
            output,
        }
    }

    /// SIGTERM, then wait: a graceful stop exits 0.
    fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
        std::thread::sleep(Duration::from_millis(100));
        self.output.lock().expect("lock").clone()
    }
}

fn token(dir: &std::path::Path, user: &str) -> String {
    let out = command(dir).args(["token", user]).output().expect("token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf8");
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "token prints the token alone on one line: {stdout:?}"
    );
    assert_eq!(lines[0].split('.').count(), 3);
    lines[0].to_owned()
}

#[tokio::test]
async fn the_readme_walkthrough() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[]);
    assert!(
        dir.path().join("data").is_dir(),
        "the default SQLite file lives in ./data"
    );
    let token = token(dir.path(), "alice");
    let http = client();
    let chat = |body: Value| {
        let (http, token, base) = (http.clone(), token.clone(), server.base.clone());
        async move {
            let resp = http
                .post(format!("{base}/api/alice/chat"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("chat");
            assert_eq!(resp.status(), 200);
            resp.json::<Value>().await.expect("json")
        }
    };

    let first = chat(json!({"message": "add a task to buy milk"})).await;
    let conversation = first["conversation_id"].as_i64().expect("conversation id");
    assert_eq!(first["tool_calls"][0]["name"], "add_task");
    let tasks: Value = http
        .get(format!("{}/api/alice/tasks", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("tasks")
        .json()
        .await
        .expect("json");
    assert_eq!(tasks[0]["title"], "buy milk");
    assert_eq!(tasks[0]["completed"], false);

    let listed = chat(json!({"conversation_id": conversation, "message": "show my tasks"})).await;
    assert!(
        listed["response"]
            .as_str()
            .is_some_and(|r| r.contains("buy milk")),
        "{listed}"
    );
    let done =
        chat(json!({"conversation_id": conversation, "message": "I finished buy milk"})).await;
    assert_eq!(
        done["tool_calls"].as_array().map(Vec::len),
        Some(2),
        "list, then complete: {done}"
    );
    assert_eq!(done["tool_calls"][1]["name"], "complete_task");
    let deleted =
        chat(json!({"conversation_id": conversation, "message": "delete buy milk"})).await;
    assert_eq!(
        deleted["tool_calls"][1]["result"]["status"], "deleted",
        "{deleted}"
    );
    let tasks: Value = http
        .get(format!("{}/api/alice/tasks", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("tasks")
        .json()
        .await
        .expect("json");
    assert_eq!(tasks, json!([]));

    let resp = http
        .get(format!("{}/health", server.base))
        .send()
        .await
        .expect("health");
    assert_eq!(resp.status(), 200);

    let lines = server.stop();
    // JSON logs on stdout; nothing of the token or the messages in them.
    assert!(
        lines.iter().any(|l| l.contains("serving HTTP")),
        "{lines:?}"
    );
    for line in &lines {
        assert!(!line.contains(&token), "token in a log line: {line}");
        assert!(
            !line.contains("buy milk"),
            "message text in a log line: {line}"
        );
        assert!(
            !line.contains("binary-test-secret"),
            "secret in a log line: {line}"
        );
    }
    for line in lines.iter().filter(|l| l.starts_with('{')) {
        let v: Value = serde_json::from_str(line).expect("a JSON log line");
        assert!(
            v["timestamp"].is_string() && v["level"].is_string(),
            "{line}"
        );
    }
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = token(dir.path(), "alice");
    let http = client();
    let server = Server::start(dir.path(), &[]);
    let resp = http
        .post(format!("{}/api/alice/chat", server.base))
        .bearer_auth(&token)
        .json(&json!({"message": "add a task to water the plants"}))
        .send()
        .await
        .expect("chat");
    assert_eq!(resp.status(), 200);
    let conversation = resp.json::<Value>().await.expect("json")["conversation_id"].clone();
    server.stop();

    let server = Server::start(dir.path(), &[]);
    let tasks: Value = http
        .get(format!("{}/api/alice/tasks", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("tasks")
        .json()
        .await
        .expect("json");
    assert_eq!(tasks[0]["title"], "water the plants");
    let messages: Value = http
        .get(format!(
            "{}/api/alice/conversations/{conversation}/messages",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("messages")
        .json()
        .await
        .expect("json");
    assert_eq!(messages.as_array().map(Vec::len), Some(2));
    server.stop();
}

#[test]
fn openapi_prints_the_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = command(dir.path())
        .arg("openapi")
        .output()
        .expect("openapi");
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("the document alone on stdout");
    assert!(doc["paths"]["/api/{user_id}/chat"]["post"].is_object());
    assert!(
        !dir.path().join("data").exists(),
        "openapi touches no database"
    );
}

#[test]
fn migrate_applies_and_exits() {
    let dir = tempfile::tempdir().expect("tempdir");
    for _ in 0..2 {
        let out = command(dir.path())
            .arg("migrate")
            .output()
            .expect("migrate");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(dir.path().join("data/todo.db").is_file());
}

#[test]
fn invalid_configuration_names_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("PORT", "eighty")], "server.port"),
        (&[("LOG_FORMAT", "xml")], "log.format"),
        (&[("LLM_PROVIDER", "skynet")], "llm.provider"),
        (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
        (&[("RATE_LIMIT_BURST", "-1")], "rate_limit.burst"),
        (
            &[("APP__LLM__HISTORY_MAX_BYTES", "lots")],
            "llm.history_max_bytes",
        ),
    ];
    for (env, key) in cases {
        let mut cmd = command(dir.path());
        cmd.arg("migrate");
        for (k, v) in *env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run");
        assert!(!out.status.success(), "{env:?} must fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(key),
            "{env:?}: the error names {key}: {stderr}"
        );
    }

    // A configuration file that does not parse: the file is named.
    let config = dir.path().join("config");
    std::fs::create_dir(&config).expect("mkdir");
    std::fs::write(
        config.join("default.toml"),
        "[server]\nport = \"not a number\"\n",
    )
    .expect("write");
    let out = command(dir.path()).arg("migrate").output().expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("server.port"), "{stderr}");
    std::fs::write(config.join("default.toml"), "[server\nport = 1\n").expect("write");
    let out = command(dir.path()).arg("migrate").output().expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("default.toml"),
        "the file is named: {stderr}"
    );
}

#[test]
fn production_refuses_the_development_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = command(dir.path())
        .env_remove("AUTH_JWT_SECRET")
        .args(["serve", "--profile", "production"])
        .env("PORT", free_port().to_string())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("AUTH_JWT_SECRET"), "{stderr}");
}

#[test]
fn an_unreachable_database_at_start_exits_after_the_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let started = Instant::now();
    let out = command(dir.path())
        .arg("serve")
        .env(
            "DATABASE_URL",
            format!("postgres://postgres:hunter2@127.0.0.1:{port}/nothing"),
        )
        .env("DATABASE_CONNECT_TIMEOUT_SECS", "2")
        .env("PORT", free_port().to_string())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "it retried before giving up"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "no password in the message: {stderr}"
    );
}
