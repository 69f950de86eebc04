//! The HTTP API end to end: the real application on SQLite, a real server on a free port.
//! Every route, its success shape, each error status of the contract, auth and isolation.

mod common;

use common::{Backend, TestApp, assert_error};
use reqwest::Method;
use serde_json::{Value, json};

async fn app(test: &str) -> TestApp {
    TestApp::spawn(Backend::Sqlite, test)
        .await
        .expect("sqlite always runs")
}

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn assert_task_shape(task: &Value) {
    let obj = task.as_object().expect("task object");
    let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "completed",
            "created_at",
            "description",
            "id",
            "title",
            "updated_at"
        ]
    );
    assert!(task["id"].as_i64().is_some_and(|id| id > 0));
    assert!(task["completed"].is_boolean());
    assert!(task["description"].is_string() || task["description"].is_null());
    assert!(
        is_rfc3339(&task["created_at"]) && is_rfc3339(&task["updated_at"]),
        "{task}"
    );
}

#[tokio::test]
async fn health_ready_docs_and_unknown_paths() {
    let app = app("health").await;
    let resp = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-trace-id"));
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!({"status": "ok"})
    );

    let resp = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!({"status": "ready"})
    );

    let resp = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/api/{user_id}/chat",
        "/api/{user_id}/tasks",
        "/api/{user_id}/tasks/{id}",
        "/api/{user_id}/tasks/{id}/complete",
        "/api/{user_id}/conversations",
        "/api/{user_id}/conversations/{id}/messages",
        "/health",
        "/ready",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} in the OpenAPI document"
        );
    }

    let resp = app.call(Method::GET, "/docs", None, None).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .expect("text")
            .to_lowercase()
            .contains("swagger")
    );

    let resp = app.call(Method::GET, "/no/such/route", None, None).await;
    assert_eq!(assert_error(resp, 404).await, "not_found");
    let token = app.token("alice");
    let resp = app
        .call(Method::GET, "/api/alice/nothing-here", Some(&token), None)
        .await;
    assert_eq!(assert_error(resp, 404).await, "not_found");
    let resp = app
        .call(Method::DELETE, "/api/alice/tasks", Some(&token), None)
        .await;
    assert_eq!(assert_error(resp, 405).await, "method_not_allowed");
    app.stop().await;
}

#[tokio::test]
async fn a_traceparent_is_continued_and_every_response_has_a_trace_id() {
    let app = app("trace").await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let resp = app
        .client
        .get(format!("{}/health", app.base))
        .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.headers()["x-trace-id"], trace);
    let a = app.call(Method::GET, "/health", None, None).await;
    let b = app.call(Method::GET, "/health", None, None).await;
    let (a, b) = (
        a.headers()["x-trace-id"].clone(),
        b.headers()["x-trace-id"].clone(),
    );
    assert_eq!(a.len(), 32);
    assert_ne!(a, b, "a new trace per request");
    app.stop().await;
}

#[tokio::test]
async fn tasks_crud_and_shapes() {
    let app = app("tasks").await;
    let resp = app
        .as_user(
            "alice",
            Method::POST,
            "/api/alice/tasks",
            Some(&json!({"title": "  buy milk "})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let milk: Value = resp.json().await.expect("json");
    assert_task_shape(&milk);
    assert_eq!(milk["title"], "buy milk");
    assert_eq!(milk["description"], Value::Null);
    assert_eq!(milk["completed"], false);
    let id = milk["id"].as_i64().expect("id");

    let body = json!({"title": "pay rent", "description": "before the 5th"});
    let rent: Value = app
        .as_user("alice", Method::POST, "/api/alice/tasks", Some(&body))
        .await
        .json()
        .await
        .expect("json");
    let rent_id = rent["id"].as_i64().expect("id");
    assert_eq!(rent["description"], "before the 5th");

    let got: Value = app
        .as_user(
            "alice",
            Method::GET,
            &format!("/api/alice/tasks/{id}"),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(got, milk);

    // Toggle twice.
    let path = format!("/api/alice/tasks/{id}/complete");
    let done: Value = app
        .as_user("alice", Method::PATCH, &path, None)
        .await
        .json()
        .await
        .expect("json");
    assert_task_shape(&done);
    assert_eq!(done["completed"], true);
    let undone: Value = app
        .as_user("alice", Method::PATCH, &path, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(undone["completed"], false);
    app.as_user("alice", Method::PATCH, &path, None).await;

    // Listing: oldest first, filters.
    let list: Value = app
        .as_user("alice", Method::GET, "/api/alice/tasks", None)
        .await
        .json()
        .await
        .expect("json");
    let ids: Vec<_> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["id"].as_i64())
        .collect();
    assert_eq!(ids, [Some(id), Some(rent_id)]);
    list.as_array()
        .expect("array")
        .iter()
        .for_each(assert_task_shape);
    let pending: Value = app
        .as_user(
            "alice",
            Method::GET,
            "/api/alice/tasks?status=pending",
            None,
        )
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(
        pending
            .as_array()
            .map(|a| a.iter().map(|t| t["id"].as_i64()).collect::<Vec<_>>()),
        Some(vec![Some(rent_id)])
    );
    let completed: Value = app
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
    assert_eq!(
        completed
            .as_array()
            .map(|a| a.iter().map(|t| t["id"].as_i64()).collect::<Vec<_>>()),
        Some(vec![Some(id)])
    );
    let all: Value = app
        .as_user("alice", Method::GET, "/api/alice/tasks?status=all", None)
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(all.as_array().map(Vec::len), Some(2));

    // PUT: only present fields; null clears the description.
    let rent_path = format!("/api/alice/tasks/{rent_id}");
    let renamed: Value = app
        .as_user(
            "alice",
            Method::PUT,
            &rent_path,
            Some(&json!({"title": "pay the rent"})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(renamed["title"], "pay the rent");
    assert_eq!(renamed["description"], "before the 5th");
    let cleared: Value = app
        .as_user(
            "alice",
            Method::PUT,
            &rent_path,
            Some(&json!({"description": null})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(cleared["title"], "pay the rent");
    assert_eq!(cleared["description"], Value::Null);
    let same: Value = app
        .as_user("alice", Method::PUT, &rent_path, Some(&json!({})))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(same, cleared);

    // DELETE, then it is gone.
    let resp = app.as_user("alice", Method::DELETE, &rent_path, None).await;
    assert_eq!(resp.status(), 204);
    assert!(resp.headers().contains_key("x-trace-id"));
    assert_error(
        app.as_user("alice", Method::GET, &rent_path, None).await,
        404,
    )
    .await;
    assert_error(
        app.as_user("alice", Method::DELETE, &rent_path, None).await,
        404,
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn invalid_input_is_422_malformed_is_400_large_is_413() {
    let app = app("validation").await;
    let token = app.token("alice");
    let post = |path: &'static str, body: Value| {
        let (app, token) = (&app, token.clone());
        async move {
            app.call(Method::POST, path, Some(&token), Some(&body))
                .await
        }
    };
    for body in [
        json!({}),
        json!({"title": ""}),
        json!({"title": "   "}),
        json!({"title": "x".repeat(201)}),
        json!({"title": 42}),
        json!({"title": "ok", "description": "d".repeat(1001)}),
        json!([1, 2, 3]),
    ] {
        let resp = post("/api/alice/tasks", body.clone()).await;
        assert_eq!(assert_error(resp, 422).await, "validation_error", "{body}");
    }
    for body in [
        json!({"message": ""}),
        json!({"message": " \n\t "}),
        json!({"message": "x".repeat(4001)}),
        json!({"conversation_id": null}),
        json!({"message": 5}),
        json!({"message": "hi", "conversation_id": 0}),
        json!({"message": "hi", "conversation_id": -4}),
        json!({"message": "hi", "conversation_id": "one"}),
    ] {
        let resp = post("/api/alice/chat", body.clone()).await;
        assert_eq!(assert_error(resp, 422).await, "validation_error", "{body}");
    }
    // Exactly at the limits is fine.
    let resp = post(
        "/api/alice/tasks",
        json!({"title": "é".repeat(200), "description": "d".repeat(1000)}),
    )
    .await;
    assert_eq!(resp.status(), 201);

    // Not JSON, or empty: 400.
    for raw in ["{not json", "", "title=x"] {
        let resp = app
            .client
            .post(format!("{}/api/alice/tasks", app.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .expect("request");
        assert_eq!(assert_error(resp, 400).await, "malformed_body", "{raw:?}");
    }
    // Valid JSON sent without a JSON content type (curl -d) is read as JSON.
    let resp = app
        .client
        .post(format!("{}/api/alice/tasks", app.base))
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"title": "from curl"}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);

    // Over 64 KiB: 413, with and without a content length.
    let big = json!({"message": "x".repeat(70 * 1024)});
    assert_eq!(
        assert_error(post("/api/alice/chat", big).await, 413).await,
        "payload_too_large"
    );
    let chunks = futures::stream::iter((0..80).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024])));
    let resp = app
        .client
        .post(format!("{}/api/alice/chat", app.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("request");
    assert_eq!(assert_error(resp, 413).await, "payload_too_large");

    // Bad path ids and query values.
    for path in [
        "/api/alice/tasks/abc",
        "/api/alice/tasks/0",
        "/api/alice/tasks/-1",
        "/api/alice/tasks?status=done",
        "/api/alice/conversations/abc/messages",
        "/api/alice/conversations/0/messages",
        "/api/alice/conversations/1/messages?limit=0",
        "/api/alice/conversations/1/messages?limit=201",
        "/api/alice/conversations/1/messages?limit=ten",
    ] {
        let resp = app.call(Method::GET, path, Some(&token), None).await;
        assert_eq!(assert_error(resp, 422).await, "validation_error", "{path}");
    }
    let resp = app
        .call(
            Method::PUT,
            "/api/alice/tasks/1",
            Some(&token),
            Some(&json!({"title": null})),
        )
        .await;
    assert_error(resp, 422).await;
    let resp = app
        .call(
            Method::PUT,
            "/api/alice/tasks/1",
            Some(&token),
            Some(&json!({"title": ""})),
        )
        .await;
    assert_error(resp, 422).await;
    let resp = app
        .call(
            Method::PATCH,
            "/api/alice/tasks/x/complete",
            Some(&token),
            None,
        )
        .await;
    assert_error(resp, 422).await;
    app.stop().await;
}

/// Every authenticated route, with a body where it needs one.
fn routes(user: &str, task: i64, conversation: i64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (
            Method::POST,
            format!("/api/{user}/chat"),
            Some(json!({"message": "show my tasks"})),
        ),
        (
            Method::POST,
            format!("/api/{user}/chat"),
            Some(json!({"message": "show my tasks", "conversation_id": conversation})),
        ),
        (Method::GET, format!("/api/{user}/tasks"), None),
        (
            Method::POST,
            format!("/api/{user}/tasks"),
            Some(json!({"title": "t"})),
        ),
        (Method::GET, format!("/api/{user}/tasks/{task}"), None),
        (
            Method::PUT,
            format!("/api/{user}/tasks/{task}"),
            Some(json!({"title": "hijacked"})),
        ),
        (
            Method::PATCH,
            format!("/api/{user}/tasks/{task}/complete"),
            None,
        ),
        (Method::DELETE, format!("/api/{user}/tasks/{task}"), None),
        (Method::GET, format!("/api/{user}/conversations"), None),
        (
            Method::GET,
            format!("/api/{user}/conversations/{conversation}/messages"),
            None,
        ),
    ]
}

#[tokio::test]
async fn authentication_on_every_route() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let app = app("auth").await;
    let now = chrono::Utc::now().timestamp();
    let sign = |alg: Algorithm, claims: Value, secret: &str| {
        jsonwebtoken::encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("sign")
    };
    let b64 = |v: &Value| {
        use std::fmt::Write;
        // base64url without padding, by hand, to forge an alg:none token.
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = v.to_string().into_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                let _ = write!(out, "{}", T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    };
    let none_token = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&json!({"sub": "alice", "exp": now + 3600}))
    );
    let bad: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("garbage", Some("not-a-jwt".into())),
        (
            "bad signature",
            Some(sign(
                Algorithm::HS256,
                json!({"sub": "alice", "exp": now + 3600}),
                "wrong",
            )),
        ),
        (
            "expired",
            Some(sign(
                Algorithm::HS256,
                json!({"sub": "alice", "exp": now - 3600}),
                common::SECRET,
            )),
        ),
        (
            "no exp",
            Some(sign(
                Algorithm::HS256,
                json!({"sub": "alice"}),
                common::SECRET,
            )),
        ),
        (
            "no sub",
            Some(sign(
                Algorithm::HS256,
                json!({"exp": now + 3600}),
                common::SECRET,
            )),
        ),
        ("alg none", Some(none_token)),
        (
            "HS512",
            Some(sign(
                Algorithm::HS512,
                json!({"sub": "alice", "exp": now + 3600}),
                common::SECRET,
            )),
        ),
    ];
    for (method, path, body) in routes("alice", 1, 1) {
        for (what, token) in &bad {
            let resp = app
                .call(method.clone(), &path, token.as_deref(), body.as_ref())
                .await;
            assert_eq!(
                assert_error(resp, 401).await,
                "unauthorized",
                "{what}: {method} {path}"
            );
        }
        let resp = app
            .call(
                method.clone(),
                &path,
                Some(&app.token("bob")),
                body.as_ref(),
            )
            .await;
        assert_eq!(
            assert_error(resp, 403).await,
            "forbidden",
            "bob's token: {method} {path}"
        );
    }
    // The basic scheme is not a bearer token.
    let resp = app
        .client
        .get(format!("{}/api/alice/tasks", app.base))
        .header("authorization", "Basic YWxpY2U6eA==")
        .send()
        .await
        .expect("request");
    assert_error(resp, 401).await;
    app.stop().await;
}

#[tokio::test]
async fn bob_can_neither_read_nor_change_alices_data() {
    let app = app("isolation").await;
    let chat = app
        .chat("alice", None, "add a task to buy secret milk")
        .await;
    let conversation = chat["conversation_id"].as_i64().expect("conversation");
    let task = chat["tool_calls"][0]["result"]["task_id"]
        .as_i64()
        .expect("task id");
    app.chat("bob", None, "add a task to walk the dog").await;

    for (method, path, body) in routes("bob", task, conversation) {
        let resp = app
            .as_user("bob", method.clone(), &path, body.as_ref())
            .await;
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("text");
        assert!(!text.contains("secret"), "{method} {path} leaked: {text}");
        let targets_alice = path.contains(&format!("/tasks/{task}"))
            || path.contains(&format!("/conversations/{conversation}/"))
            || body
                .as_ref()
                .is_some_and(|b| b.get("conversation_id").is_some());
        if targets_alice {
            assert_eq!(status, 404, "{method} {path}: {text}");
        } else {
            assert!(
                (200..300).contains(&status),
                "{method} {path}: {status} {text}"
            );
        }
    }
    // Explicitly: alice's task and conversation are 404 for bob, and unchanged.
    let resp = app
        .as_user("bob", Method::GET, &format!("/api/bob/tasks/{task}"), None)
        .await;
    assert_eq!(assert_error(resp, 404).await, "not_found");
    let resp = app
        .as_user(
            "bob",
            Method::GET,
            &format!("/api/bob/conversations/{conversation}/messages"),
            None,
        )
        .await;
    assert_eq!(assert_error(resp, 404).await, "not_found");
    let body = json!({"conversation_id": conversation, "message": "show my tasks"});
    let resp = app
        .as_user("bob", Method::POST, "/api/bob/chat", Some(&body))
        .await;
    assert_eq!(assert_error(resp, 404).await, "not_found");

    let tasks: Value = app
        .as_user("alice", Method::GET, "/api/alice/tasks", None)
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(tasks.as_array().map(Vec::len), Some(1));
    assert_eq!(tasks[0]["title"], "buy secret milk");
    assert_eq!(tasks[0]["completed"], false);
    let messages: Value = app
        .as_user(
            "alice",
            Method::GET,
            &format!("/api/alice/conversations/{conversation}/messages"),
            None,
        )
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(
        messages.as_array().map(Vec::len),
        Some(2),
        "bob's attempts added nothing: {messages}"
    );
    let bobs: Value = app
        .as_user("bob", Method::GET, "/api/bob/tasks", None)
        .await
        .json()
        .await
        .expect("j");
    assert!(
        bobs.as_array()
            .expect("array")
            .iter()
            .all(|t| t["title"] != "buy secret milk")
    );
    let bob_convs: Value = app
        .as_user("bob", Method::GET, "/api/bob/conversations", None)
        .await
        .json()
        .await
        .expect("j");
    assert!(
        bob_convs
            .as_array()
            .expect("array")
            .iter()
            .all(|c| c["id"] != conversation)
    );
    app.stop().await;
}

#[tokio::test]
async fn chat_conversations_and_messages() {
    let app = app("chat").await;
    let first = app.chat("alice", None, "add a task to buy milk").await;
    let mut keys: Vec<_> = first.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["conversation_id", "response", "tool_calls"]);
    let conversation = first["conversation_id"].as_i64().expect("id");
    assert_eq!(first["tool_calls"][0]["name"], "add_task");
    assert_eq!(first["tool_calls"][0]["arguments"]["title"], "buy milk");
    assert_eq!(first["tool_calls"][0]["result"]["status"], "created");
    assert!(
        first["response"]
            .as_str()
            .is_some_and(|r| r.contains("buy milk"))
    );

    // The conversation continues; an omitted conversation_id starts a new one.
    let second = app.chat("alice", Some(conversation), "show my tasks").await;
    assert_eq!(second["conversation_id"], conversation);
    assert_eq!(second["tool_calls"][0]["name"], "list_tasks");
    let body = json!({"message": "what's pending"});
    let third: Value = app
        .as_user("alice", Method::POST, "/api/alice/chat", Some(&body))
        .await
        .json()
        .await
        .expect("j");
    let newer = third["conversation_id"].as_i64().expect("id");
    assert_ne!(newer, conversation);

    // Conversations: most recently active first; activity reorders them.
    let list: Value = app
        .as_user("alice", Method::GET, "/api/alice/conversations", None)
        .await
        .json()
        .await
        .expect("j");
    let ids: Vec<_> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(ids, [Some(newer), Some(conversation)]);
    for c in list.as_array().expect("array") {
        let mut keys: Vec<_> = c.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["created_at", "id", "updated_at"]);
        assert!(is_rfc3339(&c["created_at"]) && is_rfc3339(&c["updated_at"]));
    }
    app.chat("alice", Some(conversation), "list completed tasks")
        .await;
    let list: Value = app
        .as_user("alice", Method::GET, "/api/alice/conversations", None)
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(list[0]["id"], conversation);

    // Messages: oldest first, the latest `limit`.
    let path = format!("/api/alice/conversations/{conversation}/messages");
    let messages: Value = app
        .as_user("alice", Method::GET, &path, None)
        .await
        .json()
        .await
        .expect("j");
    let messages = messages.as_array().expect("array");
    assert_eq!(messages.len(), 6);
    let roles: Vec<_> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        roles,
        [
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
            "assistant"
        ]
    );
    assert_eq!(messages[0]["content"], "add a task to buy milk");
    assert_eq!(messages[1]["content"], first["response"]);
    for m in messages {
        let mut keys: Vec<_> = m.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["content", "created_at", "id", "role"]);
    }
    let latest: Value = app
        .as_user("alice", Method::GET, &format!("{path}?limit=2"), None)
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(latest.as_array().map(Vec::len), Some(2));
    assert_eq!(latest[0]["content"], "list completed tasks");
    assert_eq!(latest[1]["role"], "assistant");

    // Unknown conversation: 404 on chat and on messages.
    let body = json!({"conversation_id": 9999, "message": "hi"});
    assert_error(
        app.as_user("alice", Method::POST, "/api/alice/chat", Some(&body))
            .await,
        404,
    )
    .await;
    assert_error(
        app.as_user(
            "alice",
            Method::GET,
            "/api/alice/conversations/9999/messages",
            None,
        )
        .await,
        404,
    )
    .await;

    // A tool failure is a 200 with an error result.
    let out = app.chat("alice", None, "delete task 4242").await;
    assert!(out["tool_calls"][0]["result"]["error"].is_string(), "{out}");
    app.stop().await;
}

/// A listing chat's answer goes out whole, with its length (its listing is sent as a piece of
/// its own, not copied into the body): `Content-Length` and no chunked encoding, and the
/// listing in it is every task the tasks endpoint lists.
#[tokio::test]
async fn a_listing_chat_answer_is_sent_whole_with_its_length() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        "listing-answer",
        &[
            ("RATE_LIMIT_PER_MINUTE", "100000"),
            ("RATE_LIMIT_BURST", "1000"),
        ],
    )
    .await
    .expect("sqlite always runs");
    for i in 0..300 {
        let body = json!({"title": format!("buy \"milk\" {i} \u{2615}"), "description": (i % 3 == 0).then_some("a\tb")});
        let resp = app
            .as_user("alice", Method::POST, "/api/alice/tasks", Some(&body))
            .await;
        assert_eq!(resp.status(), 201);
    }
    let body = json!({"message": "show my tasks"});
    let resp = app
        .as_user("alice", Method::POST, "/api/alice/chat", Some(&body))
        .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("transfer-encoding").is_none());
    let length: usize = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a content-length");
    let text = resp.bytes().await.expect("body");
    assert_eq!(text.len(), length);
    assert!(length > 300 * 100, "{length} bytes for 300 tasks");
    let answer: Value = serde_json::from_slice(&text).expect("json");
    assert_eq!(answer["tool_calls"][0]["name"], "list_tasks");
    let listed = answer["tool_calls"][0]["result"]["tasks"]
        .as_array()
        .expect("tasks")
        .clone();
    let tasks: Value = app
        .as_user("alice", Method::GET, "/api/alice/tasks", None)
        .await
        .json()
        .await
        .expect("json");
    let tasks = tasks.as_array().expect("tasks");
    assert_eq!(listed.len(), 300);
    assert_eq!(listed.len(), tasks.len());
    for (listed, task) in listed.iter().zip(tasks) {
        assert_task_shape(listed);
        for key in ["id", "title", "description", "completed"] {
            assert_eq!(listed[key], task[key], "{key}");
        }
    }
    assert!(
        answer["response"]
            .as_str()
            .is_some_and(|r| r.contains("buy \"milk\" 299 \u{2615}"))
    );
}

#[tokio::test]
async fn rate_limiting_is_per_user_with_retry_after() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        "ratelimit",
        // One token back every 10 s: the fourth request is refused unless the machine stalls
        // for that long (at 60 a minute a stall of 1 s would have let it through).
        &[("RATE_LIMIT_PER_MINUTE", "6"), ("RATE_LIMIT_BURST", "3")],
    )
    .await
    .expect("sqlite");
    for _ in 0..3 {
        assert_eq!(
            app.as_user("alice", Method::GET, "/api/alice/tasks", None)
                .await
                .status(),
            200
        );
    }
    let resp = app
        .as_user("alice", Method::GET, "/api/alice/tasks", None)
        .await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((9..=11).contains(&retry), "retry after {retry}");
    assert_eq!(assert_error(resp, 429).await, "rate_limited");
    assert_eq!(
        app.as_user("bob", Method::GET, "/api/bob/tasks", None)
            .await
            .status(),
        200
    );
    // Health is not limited.
    for _ in 0..10 {
        assert_eq!(
            app.call(Method::GET, "/health", None, None).await.status(),
            200
        );
    }
    app.stop().await;

    let app = TestApp::spawn_with(
        Backend::Sqlite,
        "ratelimit-off",
        &[("RATE_LIMIT_PER_MINUTE", "0"), ("RATE_LIMIT_BURST", "1")],
    )
    .await
    .expect("sqlite");
    for _ in 0..20 {
        assert_eq!(
            app.as_user("alice", Method::GET, "/api/alice/tasks", None)
                .await
                .status(),
            200
        );
    }
    app.stop().await;
}
