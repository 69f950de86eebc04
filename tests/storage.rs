//! The application on both databases: concurrency, PostgreSQL end to end, and a database
//! that goes away and comes back (503, then recovery without a restart).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::{Backend, TestApp, assert_error};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

async fn concurrent_chats(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let app = Arc::new(app);
    let mut handles = Vec::new();
    for i in 0..200 {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            let user = format!("user{}", i % 10);
            let message = format!("add a task to buy milk {i}");
            let body = json!({"message": message});
            let resp = app
                .as_user(
                    &user,
                    Method::POST,
                    &format!("/api/{user}/chat"),
                    Some(&body),
                )
                .await;
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (status, text, user, message)
        }));
    }
    let mut conversations = Vec::new();
    for h in handles {
        let (status, text, user, message) = h.await.expect("join");
        assert_eq!(status, 200, "{message}: {text}");
        let v: Value = serde_json::from_str(&text).expect("json");
        conversations.push((user, v["conversation_id"].as_i64().expect("id"), message));
    }
    // Every message stored exactly once, with its reply.
    for (user, conversation, message) in &conversations {
        let resp = app
            .as_user(
                user,
                Method::GET,
                &format!("/api/{user}/conversations/{conversation}/messages"),
                None,
            )
            .await;
        let messages: Value = resp.json().await.expect("json");
        let messages = messages.as_array().expect("array");
        assert_eq!(messages.len(), 2, "{message}: {messages:?}");
        assert_eq!(messages[0]["content"], message.as_str());
        assert_eq!(messages[1]["role"], "assistant");
    }
    for u in 0..10 {
        let user = format!("user{u}");
        let tasks: Value = app
            .as_user(&user, Method::GET, &format!("/api/{user}/tasks"), None)
            .await
            .json()
            .await
            .expect("j");
        assert_eq!(tasks.as_array().map(Vec::len), Some(20), "{user}");
        let convs: Value = app
            .as_user(
                &user,
                Method::GET,
                &format!("/api/{user}/conversations"),
                None,
            )
            .await
            .json()
            .await
            .expect("j");
        assert_eq!(convs.as_array().map(Vec::len), Some(20), "{user}");
    }
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_200_concurrent_chats() {
    concurrent_chats(Backend::Sqlite, "sqlite_200_concurrent_chats").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_200_concurrent_chats() {
    concurrent_chats(Backend::Postgres, "postgres_200_concurrent_chats").await;
}

#[tokio::test]
async fn postgres_chat_and_tasks_end_to_end() {
    let Some(app) = TestApp::spawn(Backend::Postgres, "postgres_chat_and_tasks_end_to_end").await
    else {
        return;
    };
    let first = app
        .chat(
            "alice",
            None,
            "add 'pay rent' with description 'before the 5th'",
        )
        .await;
    let conversation = first["conversation_id"].as_i64().expect("id");
    assert_eq!(
        first["tool_calls"][0]["arguments"],
        json!({"title": "pay rent", "description": "before the 5th"})
    );
    let done = app
        .chat("alice", Some(conversation), "I finished pay rent")
        .await;
    assert_eq!(done["tool_calls"][1]["result"]["status"], "completed");
    let tasks: Value = app
        .as_user(
            "alice",
            Method::GET,
            "/api/alice/tasks?status=completed",
            None,
        )
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(tasks[0]["title"], "pay rent");
    assert_eq!(tasks[0]["description"], "before the 5th");
    let messages: Value = app
        .as_user(
            "alice",
            Method::GET,
            &format!("/api/alice/conversations/{conversation}/messages?limit=3"),
            None,
        )
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(messages.as_array().map(Vec::len), Some(3));
    assert_eq!(messages[1]["content"], "I finished pay rent");
    let resp = app
        .as_user(
            "bob",
            Method::GET,
            &format!("/api/bob/conversations/{conversation}/messages"),
            None,
        )
        .await;
    assert_error(resp, 404).await;
    app.stop().await;
}

/// A TCP forwarder in front of PostgreSQL that can cut every connection and refuse new ones,
/// so the database becomes unreachable for the app without touching the server.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
    /// Connections being relayed.
    relaying: Arc<AtomicUsize>,
}

/// Counts a relayed connection for as long as it lives.
struct Relaying(Arc<AtomicUsize>);

impl Drop for Relaying {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(AtomicBool::new(true));
        let (tx, _) = tokio::sync::watch::channel(0u64);
        let generation = Arc::new(tx);
        let relaying = Arc::new(AtomicUsize::new(0));
        let (up2, gen2, relaying2) = (up.clone(), generation.clone(), relaying.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                // Counted and listening for the cut before `up` is read: a `down` that comes
                // after the read cuts it, one that came before refuses it.
                let mut cut = gen2.subscribe();
                relaying2.fetch_add(1, Ordering::SeqCst);
                let counted = Relaying(relaying2.clone());
                if !up2.load(Ordering::SeqCst) {
                    drop(counted);
                    let _ = inbound.shutdown().await;
                    continue;
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let _counted = counted;
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self {
            port,
            up,
            generation,
            relaying,
        }
    }

    /// Refuses new connections and cuts every relayed one, returning once they are all cut:
    /// a relay that had not yet seen the signal could otherwise still carry the next query.
    async fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.relaying.load(Ordering::SeqCst) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "relayed connections still open 10 s after the cut"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_is_503_and_recovers_without_a_restart() {
    let Some(admin) = common::pg_admin_url("postgres_outage_is_503_and_recovers_without_a_restart")
    else {
        return;
    };
    let (url, name) = common::fresh_pg_database(&admin).await;
    let target = url
        .split('@')
        .nth(1)
        .and_then(|h| h.split('/').next())
        .expect("host:port")
        .to_owned();
    let proxy = Proxy::start(target.clone()).await;
    let proxied = url.replacen(&target, &format!("127.0.0.1:{}", proxy.port), 1);
    let app = TestApp::start(&proxied, &[]).await;

    let chat = app
        .chat("alice", None, "add a task to survive an outage")
        .await;
    let conversation = chat["conversation_id"].as_i64().expect("id");
    assert_eq!(
        app.call(Method::GET, "/ready", None, None).await.status(),
        200
    );

    proxy.down().await;
    let resp = app
        .as_user("alice", Method::GET, "/api/alice/tasks", None)
        .await;
    assert_eq!(assert_error(resp, 503).await, "service_unavailable");
    let body = json!({"conversation_id": conversation, "message": "show my tasks"});
    let resp = app
        .as_user("alice", Method::POST, "/api/alice/chat", Some(&body))
        .await;
    assert_eq!(assert_error(resp, 503).await, "service_unavailable");
    let resp = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(resp.status(), 503);
    let ready: Value = resp.json().await.expect("json");
    assert_eq!(ready["status"], "unavailable");
    assert!(ready["reason"].is_string());
    assert_eq!(
        app.call(Method::GET, "/health", None, None).await.status(),
        200,
        "alive while not ready"
    );

    proxy.up();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if app.call(Method::GET, "/ready", None, None).await.status() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the app did not recover within 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let tasks: Value = app
        .as_user("alice", Method::GET, "/api/alice/tasks", None)
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(tasks[0]["title"], "survive an outage");
    let again = app.chat("alice", Some(conversation), "show my tasks").await;
    assert_eq!(again["conversation_id"], conversation);
    app.stop().await;
    common::drop_pg_database(&admin, &name).await;
}
