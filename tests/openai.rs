//! The chat endpoint end to end over the OpenAI-compatible adapter: the real application
//! (SQLite, HTTP on a free port) with `LLM_PROVIDER=openai`, pointed at a scripted
//! chat-completions server (wiremock, also on a free port).

mod common;

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Backend, TestApp, assert_error};
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "sk-test-e2e-7c1f0a9b3d5e";
const USER: &str = "alice";

/// Answers from a script, in order; a 418 once it is spent, so extra requests fail loudly.
struct Script(Mutex<VecDeque<ResponseTemplate>>);

impl Respond for Script {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        self.0
            .lock()
            .expect("script")
            .pop_front()
            .unwrap_or_else(|| ResponseTemplate::new(418))
    }
}

async fn llm(script: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(Script(Mutex::new(script.into())))
        .mount(&server)
        .await;
    server
}

async fn llm_always(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// The app with the openai provider pointed at `server`.
async fn app(test: &str, server: &MockServer) -> TestApp {
    app_with(test, server, &[]).await
}

/// As [`app`], with more settings.
async fn app_with(test: &str, server: &MockServer, more: &[(&str, &str)]) -> TestApp {
    // The app installs it too; the test's own client must not race it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("{}/v1", server.uri());
    let mut settings = vec![
        ("LLM_PROVIDER", "openai"),
        ("OPENAI_BASE_URL", url.as_str()),
        ("OPENAI_API_KEY", KEY),
        ("OPENAI_MODEL", "gpt-e2e"),
        ("LLM_TIMEOUT_SECS", "1"),
        ("LLM_MAX_RETRIES", "2"),
        ("APP__LLM__RETRY_BASE_DELAY_MS", "10"),
    ];
    settings.extend_from_slice(more);
    TestApp::spawn_with(Backend::Sqlite, test, &settings)
        .await
        .expect("sqlite always runs")
}

fn completion(message: Value, finish_reason: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-e2e",
        "object": "chat.completion",
        "model": "gpt-e2e-2024",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    }))
}

fn text(content: &str) -> ResponseTemplate {
    completion(json!({"role": "assistant", "content": content}), "stop")
}

fn tool_call(id: &str, name: &str, arguments: &str) -> ResponseTemplate {
    completion(
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}
        ]}),
        "tool_calls",
    )
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .expect("recording")
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON body"))
        .collect()
}

async fn post_chat(app: &TestApp, message: &str) -> reqwest::Response {
    app.as_user(
        USER,
        Method::POST,
        &format!("/api/{USER}/chat"),
        Some(&json!({"conversation_id": null, "message": message})),
    )
    .await
}

/// The stored messages of alice's only conversation, as `(role, content)`.
async fn stored(app: &TestApp) -> Vec<(String, String)> {
    let resp = app
        .as_user(
            USER,
            Method::GET,
            &format!("/api/{USER}/conversations"),
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let conversations: Value = resp.json().await.expect("json");
    let conversations = conversations.as_array().expect("list");
    assert_eq!(conversations.len(), 1, "{conversations:?}");
    let id = conversations[0]["id"].as_i64().expect("id");
    let resp = app
        .as_user(
            USER,
            Method::GET,
            &format!("/api/{USER}/conversations/{id}/messages"),
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let messages: Value = resp.json().await.expect("json");
    messages
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().expect("role").to_owned(),
                m["content"].as_str().expect("content").to_owned(),
            )
        })
        .collect()
}

fn only_the_user_message(message: &str) -> Vec<(String, String)> {
    vec![("user".to_owned(), message.to_owned())]
}

#[tokio::test]
async fn a_tool_round_answers_200_with_the_tool_calls_and_the_next_turn_sends_the_history() {
    let server = llm(vec![
        tool_call("call_1", "add_task", r#"{"title":"buy milk"}"#),
        text("Added 'buy milk'."),
        text("You have one task: buy milk."),
    ])
    .await;
    let app = app("openai_tool_round", &server).await;

    let out = app.chat(USER, None, "add a task to buy milk").await;
    assert_eq!(out["response"], "Added 'buy milk'.");
    assert_eq!(
        out["tool_calls"],
        json!([{
            "name": "add_task",
            "arguments": {"title": "buy milk"},
            "result": {"task_id": 1, "status": "created", "title": "buy milk"}
        }])
    );
    let conversation = out["conversation_id"].as_i64().expect("id");
    let tasks: Value = app
        .as_user(USER, Method::GET, &format!("/api/{USER}/tasks"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tasks[0]["title"], "buy milk");

    let received = server.received_requests().await.expect("recording");
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| {
        r.headers
            .get("authorization")
            .is_some_and(|v| v.as_bytes() == format!("Bearer {KEY}").as_bytes())
    }));
    let sent = bodies(&server).await;
    assert_eq!(sent[0]["model"], "gpt-e2e");
    assert_eq!(sent[0]["tool_choice"], "auto");
    assert_eq!(sent[0]["tools"].as_array().map(Vec::len), Some(5));
    let m = sent[1]["messages"].as_array().expect("messages");
    let roles: Vec<&str> = m
        .iter()
        .map(|m| m["role"].as_str().expect("role"))
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "tool"]);
    assert_eq!(m[1]["content"], "add a task to buy milk");
    assert_eq!(m[2]["content"], Value::Null);
    assert_eq!(m[2]["tool_calls"][0]["id"], "call_1");
    assert_eq!(m[2]["tool_calls"][0]["type"], "function");
    assert_eq!(
        m[2]["tool_calls"][0]["function"],
        json!({"name": "add_task", "arguments": "{\"title\":\"buy milk\"}"})
    );
    assert_eq!(m[3]["tool_call_id"], "call_1");
    let result: Value =
        serde_json::from_str(m[3]["content"].as_str().expect("text")).expect("JSON text");
    assert_eq!(result["status"], "created");

    // The second turn loads the stored history (user and assistant text, no tool messages).
    let next = app
        .chat(USER, Some(conversation), "what is on my list?")
        .await;
    assert_eq!(next["response"], "You have one task: buy milk.");
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 3);
    let m = &sent[2]["messages"];
    assert_eq!(m.as_array().map(Vec::len), Some(4));
    assert_eq!(
        m[1],
        json!({"role": "user", "content": "add a task to buy milk"})
    );
    assert_eq!(
        m[2],
        json!({"role": "assistant", "content": "Added 'buy milk'."})
    );
    assert_eq!(
        m[3],
        json!({"role": "user", "content": "what is on my list?"})
    );
    app.stop().await;
}

/// `llm.history_max_bytes` reaches the model: the third turn sends the newest history that
/// fits in 40 bytes (the second question and its answer, 15 + 12), not the long first
/// answer, nor the first question behind it; the conversation itself keeps all six messages.
#[tokio::test]
async fn the_history_sent_to_the_model_stays_within_history_max_bytes() {
    let long = "- buy milk\n".repeat(50);
    let server = llm(vec![
        text(&long),
        text("short answer"),
        text("third answer"),
    ])
    .await;
    let app = app_with(
        "openai_history_budget",
        &server,
        &[("APP__LLM__HISTORY_MAX_BYTES", "40")],
    )
    .await;
    let first = app.chat(USER, None, "q1").await;
    let conversation = first["conversation_id"].as_i64().expect("id");
    app.chat(USER, Some(conversation), "second question").await;
    let third = app.chat(USER, Some(conversation), "third question").await;
    assert_eq!(third["response"], "third answer");
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 3);
    assert_eq!(
        sent[2]["messages"],
        json!([
            sent[2]["messages"][0],
            {"role": "user", "content": "second question"},
            {"role": "assistant", "content": "short answer"},
            {"role": "user", "content": "third question"},
        ])
    );
    assert_eq!(sent[2]["messages"][0]["role"], "system");
    assert_eq!(stored(&app).await.len(), 6);
    app.stop().await;
}

#[tokio::test]
async fn a_model_timeout_is_504_llm_timeout_after_one_request_and_the_message_is_kept() {
    let server = llm_always(text("too late").set_delay(Duration::from_secs(4))).await;
    let app = app("openai_timeout", &server).await;
    let started = Instant::now();
    let resp = post_chat(&app, "add milk").await;
    let elapsed = started.elapsed();
    assert_eq!(assert_error(resp, 504).await, "llm_timeout");
    assert!(
        elapsed < Duration::from_secs(3),
        "no retry after a timeout: {elapsed:?}"
    );
    assert_eq!(bodies(&server).await.len(), 1, "a timeout is never retried");
    assert_eq!(stored(&app).await, only_the_user_message("add milk"));
    app.stop().await;
}

#[tokio::test]
async fn server_errors_forever_are_502_llm_unavailable_after_every_retry() {
    let server = llm_always(
        ResponseTemplate::new(500)
            .set_body_json(json!({"error": {"message": "boom", "type": "server_error"}})),
    )
    .await;
    let app = app("openai_500", &server).await;
    let resp = post_chat(&app, "add milk").await;
    let raw = resp.text().await.expect("body");
    assert!(!raw.contains(KEY) && !raw.contains("sk-"), "{raw}");
    let body: Value = serde_json::from_str(&raw).expect("JSON");
    assert_eq!(body["error"]["code"], "llm_unavailable", "{raw}");
    assert_eq!(
        bodies(&server).await.len(),
        3,
        "1 + LLM_MAX_RETRIES requests"
    );
    assert_eq!(stored(&app).await, only_the_user_message("add milk"));
    app.stop().await;
}

#[tokio::test]
async fn a_server_error_then_success_answers_200() {
    let server = llm(vec![ResponseTemplate::new(503), text("Hello!")]).await;
    let app = app("openai_503_then_ok", &server).await;
    let out = app.chat(USER, None, "hi").await;
    assert_eq!(out["response"], "Hello!");
    assert_eq!(bodies(&server).await.len(), 2);
    assert_eq!(
        stored(&app).await,
        [
            ("user".to_owned(), "hi".to_owned()),
            ("assistant".to_owned(), "Hello!".to_owned())
        ]
    );
    app.stop().await;
}
