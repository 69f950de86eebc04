//! The adapter on its own: the request it sends, the answer it reads, and how it fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use todo_agent::{
    ChatMessage, ChatModel, ChatModelError, ChatRequest, ChatResponse, TokenUsage, ToolCallRequest,
};
use todo_domain::testing::InMemoryTaskRepository;
use todo_domain::{ConversationId, TaskId, UserId};
use todo_openai::{OpenAiModel, OpenAiSettings, OpenAiSetupError};
use todo_tools::{ToolOutput, ToolSet};
use wiremock::ResponseTemplate;

use crate::support::{
    KEY, Logs, bodies, completion, install_crypto, model, requests, server, server_always,
    settings, status, text,
};

fn tools() -> ToolSet {
    ToolSet::task_tools(Arc::new(InMemoryTaskRepository::new()), |t| t)
}

fn request(messages: Vec<ChatMessage>) -> ChatRequest {
    ChatRequest {
        user_id: UserId::parse("alice").expect("user"),
        conversation_id: ConversationId::new(1).expect("id"),
        messages,
        tools: tools().definitions(),
    }
}

fn hello() -> ChatRequest {
    request(vec![
        ChatMessage::System("SYSTEM".into()),
        ChatMessage::User("hello".into()),
    ])
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn the_request_follows_the_chat_completions_format_field_by_field() {
    let server = server(vec![text("ok")]).await;
    let model = model(settings(&server));
    let request = request(vec![
        ChatMessage::System("SYSTEM".into()),
        ChatMessage::User("add milk".into()),
        ChatMessage::Assistant {
            content: None,
            tool_calls: vec![ToolCallRequest {
                id: "call_1".into(),
                name: "add_task".into(),
                arguments: r#"{"title": "milk"}"#.into(),
            }],
        },
        ChatMessage::Tool {
            call_id: "call_1".into(),
            name: "add_task".into(),
            result: Arc::new(ToolOutput::Changed {
                task_id: TaskId::new(1).expect("id"),
                status: "created",
                title: "milk".into(),
            }),
        },
        ChatMessage::Assistant {
            content: Some("Added milk.".into()),
            tool_calls: Vec::new(),
        },
        ChatMessage::User("thanks".into()),
    ]);
    model.complete(&request).await.expect("complete");

    let received = requests(&server).await;
    assert_eq!(received.len(), 1);
    let http = &received[0];
    assert_eq!(http.method.as_str(), "POST");
    assert_eq!(
        http.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(
        http.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );

    let body: Value = serde_json::from_slice(&http.body).expect("JSON body");
    assert_eq!(keys(&body), ["messages", "model", "tool_choice", "tools"]);
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["tool_choice"], "auto");

    let m = body["messages"].as_array().expect("messages");
    assert_eq!(m.len(), 6);
    assert_eq!(m[0], json!({"role": "system", "content": "SYSTEM"}));
    assert_eq!(m[1], json!({"role": "user", "content": "add milk"}));
    // Only tool calls: `content` is present and null, the arguments stay a raw string.
    assert_eq!(
        m[2],
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "add_task", "arguments": "{\"title\": \"milk\"}"}}
        ]})
    );
    assert_eq!(keys(&m[3]), ["content", "role", "tool_call_id"]);
    assert_eq!(m[3]["role"], "tool");
    assert_eq!(m[3]["tool_call_id"], "call_1");
    let content = m[3]["content"].as_str().expect("tool content is a string");
    assert_eq!(
        serde_json::from_str::<Value>(content).expect("JSON text"),
        json!({"task_id": 1, "status": "created", "title": "milk"})
    );
    // A plain reply carries no `tool_calls` key at all.
    assert_eq!(m[4], json!({"role": "assistant", "content": "Added milk."}));
    assert_eq!(m[5], json!({"role": "user", "content": "thanks"}));

    let tools_sent = body["tools"].as_array().expect("tools");
    let definitions = tools().definitions();
    assert_eq!(tools_sent.len(), 5);
    for (sent, def) in tools_sent.iter().zip(definitions.iter()) {
        assert_eq!(
            sent,
            &json!({"type": "function", "function": {
                "name": def.name, "description": def.description, "parameters": def.parameters
            }})
        );
    }
    let names: Vec<&str> = tools_sent
        .iter()
        .map(|t| t["function"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "add_task",
            "list_tasks",
            "complete_task",
            "update_task",
            "delete_task"
        ]
    );
    assert_eq!(tools_sent[0]["function"]["parameters"]["type"], "object");
    assert_eq!(
        tools_sent[0]["function"]["parameters"]["required"],
        json!(["title"])
    );
}

#[tokio::test]
async fn no_key_means_no_authorization_header() {
    let server = server(vec![text("ok")]).await;
    let model = model(OpenAiSettings {
        api_key: "  ".into(),
        ..settings(&server)
    });
    model.complete(&hello()).await.expect("complete");
    let received = requests(&server).await;
    assert_eq!(received.len(), 1);
    assert!(received[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn no_tools_means_no_tools_and_no_tool_choice() {
    let server = server(vec![text("ok")]).await;
    let model = model(settings(&server));
    let mut request = hello();
    request.tools = Vec::new().into();
    model.complete(&request).await.expect("complete");
    let body = &bodies(&server).await[0];
    assert_eq!(keys(body), ["messages", "model"]);
}

#[tokio::test]
async fn the_answer_yields_text_tool_calls_model_finish_reasons_and_usage() {
    let server = server(vec![ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-9",
        "object": "chat.completion",
        "model": "gpt-test-2024-08-06",
        "choices": [
            {"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant",
                "content": "Let me do that.",
                "tool_calls": [
                    {"id": "call_a", "type": "function",
                     "function": {"name": "add_task", "arguments": "{\"title\":\"milk\"}"}},
                    {"id": "call_b", "type": "function",
                     "function": {"name": "list_tasks", "arguments": "{not json"}}
                ]
            }},
            {"index": 1, "finish_reason": "length", "message": {"role": "assistant", "content": "ignored"}}
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    }))])
    .await;
    let model = model(settings(&server));
    let answer = model.complete(&hello()).await.expect("complete");
    assert_eq!(
        answer,
        ChatResponse {
            content: Some("Let me do that.".into()),
            tool_calls: vec![
                ToolCallRequest {
                    id: "call_a".into(),
                    name: "add_task".into(),
                    arguments: r#"{"title":"milk"}"#.into(),
                },
                // Passed through untouched: the agent loop decides what bad JSON means.
                ToolCallRequest {
                    id: "call_b".into(),
                    name: "list_tasks".into(),
                    arguments: "{not json".into(),
                },
            ],
            model: "gpt-test-2024-08-06".into(),
            finish_reasons: vec!["tool_calls".into(), "length".into()],
            usage: Some(TokenUsage {
                input_tokens: 120,
                output_tokens: 30,
            }),
        }
    );
    assert_eq!(model.provider(), "openai");
    assert_eq!(model.model(), "gpt-test");
}

#[tokio::test]
async fn a_server_that_omits_model_and_usage_still_answers() {
    let server = server(vec![ResponseTemplate::new(200).set_body_json(json!({
        "choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]
    }))])
    .await;
    let answer = model(settings(&server))
        .complete(&hello())
        .await
        .expect("complete");
    assert_eq!(answer.content.as_deref(), Some("hi"));
    assert_eq!(answer.model, "gpt-test");
    assert_eq!(answer.usage, None);
}

#[tokio::test]
async fn a_timeout_is_reported_and_never_retried() {
    let server = server_always(text("too late").set_delay(Duration::from_secs(3))).await;
    let model = model(OpenAiSettings {
        timeout: Duration::from_millis(300),
        ..settings(&server)
    });
    let (logs, _guard) = Logs::capture();
    let started = Instant::now();
    let err = model.complete(&hello()).await.expect_err("times out");
    let elapsed = started.elapsed();
    assert_eq!(err, ChatModelError::Timeout);
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(requests(&server).await.len(), 1, "a timeout is not retried");
    assert!(logs.retries().is_empty());
    logs.assert_no_key();
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_with_the_status() {
    let server = server_always(status(500)).await;
    let model = model(settings(&server));
    let (logs, _guard) = Logs::capture();
    let err = model.complete(&hello()).await.expect_err("fails");
    let ChatModelError::Upstream(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("500"), "{message}");
    assert!(message.contains("3 attempt"), "{message}");
    assert!(!message.contains(KEY));
    assert_eq!(requests(&server).await.len(), 3, "1 + max_retries");
    let retries = logs.retries();
    assert_eq!(retries.len(), 2, "{}", logs.text());
    assert!(
        retries[0].contains("status=\"500\"") || retries[0].contains("status=500"),
        "{}",
        retries[0]
    );
    assert!(retries[0].contains("retry=1") && retries[1].contains("retry=2"));
    assert!(retries.iter().all(|l| l.contains("delay_ms=")));
    logs.assert_no_key();
}

#[tokio::test]
async fn a_server_error_then_success_answers_after_one_retry() {
    let server = server(vec![status(503), text("recovered")]).await;
    let answer = model(settings(&server))
        .complete(&hello())
        .await
        .expect("retried");
    assert_eq!(answer.content.as_deref(), Some("recovered"));
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn zero_retries_means_one_attempt() {
    let server = server_always(status(502)).await;
    let err = model(OpenAiSettings {
        max_retries: 0,
        ..settings(&server)
    })
    .complete(&hello())
    .await
    .expect_err("fails");
    assert!(matches!(err, ChatModelError::Upstream(m) if m.contains("502")));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn connection_errors_are_retried_with_growing_delays() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    install_crypto();
    let model = OpenAiModel::new(OpenAiSettings {
        api_key: KEY.into(),
        base_url: format!("http://127.0.0.1:{port}/v1"),
        model: "gpt-test".into(),
        timeout: Duration::from_secs(5),
        max_retries: 3,
        retry_base_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    })
    .expect("model");
    let (logs, _guard) = Logs::capture();
    let started = Instant::now();
    let err = model.complete(&hello()).await.expect_err("refused");
    let elapsed = started.elapsed();
    let ChatModelError::Upstream(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("could not connect"), "{message}");
    assert!(message.contains("4 attempt"), "{message}");
    let retries = logs.retries();
    assert_eq!(retries.len(), 3, "{}", logs.text());
    assert!(retries.iter().all(|l| l.contains("connection")));
    // Equal jitter: at least half of 40 + 80 + 160 ms.
    assert!(elapsed >= Duration::from_millis(140), "{elapsed:?}");
    logs.assert_no_key();
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after_then_succeeds() {
    let server = server(vec![
        status(429).insert_header("retry-after", "1"),
        text("after the wait"),
    ])
    .await;
    let model = model(settings(&server));
    let started = Instant::now();
    let answer = model.complete(&hello()).await.expect("succeeds");
    let elapsed = started.elapsed();
    assert_eq!(answer.content.as_deref(), Some("after the wait"));
    assert_eq!(requests(&server).await.len(), 2);
    assert!(elapsed >= Duration::from_millis(990), "waited {elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "waited {elapsed:?}");
}

#[tokio::test]
async fn too_many_requests_without_retry_after_backs_off_and_counts_as_a_retry() {
    let server = server_always(status(429)).await;
    let err = model(OpenAiSettings {
        max_retries: 1,
        ..settings(&server)
    })
    .complete(&hello())
    .await
    .expect_err("fails");
    assert!(
        matches!(&err, ChatModelError::Upstream(m) if m.contains("429")),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_fails_at_once() {
    let server = server_always(status(429).insert_header("retry-after", "120")).await;
    let started = Instant::now();
    let err = model(settings(&server))
        .complete(&hello())
        .await
        .expect_err("fails");
    let ChatModelError::Upstream(message) = &err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("429") && message.contains("Retry-After"),
        "{message}"
    );
    assert_eq!(requests(&server).await.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn client_errors_are_not_retried_and_never_echo_the_key() {
    for code in [400_u16, 401, 403, 404, 422] {
        // OpenAI echoes part of a wrong key in its message; it must not travel further.
        let server = server_always(ResponseTemplate::new(code).set_body_json(json!({"error": {
            "message": format!("Incorrect API key provided: {KEY}. You can find your API key at …"),
            "type": "invalid_request_error",
            "code": "invalid_api_key"
        }})))
        .await;
        let (logs, guard) = Logs::capture();
        let err = model(settings(&server))
            .complete(&hello())
            .await
            .expect_err("fails");
        drop(guard);
        let ChatModelError::Upstream(message) = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains(&code.to_string()), "{message}");
        assert!(message.contains("invalid_api_key"), "{message}");
        assert!(!message.contains("sk-"), "{message}");
        assert!(!message.contains("Incorrect API key"), "{message}");
        assert_eq!(requests(&server).await.len(), 1, "{code} is not retried");
        assert!(logs.retries().is_empty());
        logs.assert_no_key();
    }
}

#[tokio::test]
async fn an_answer_that_is_not_a_completion_is_an_upstream_error() {
    for response in [
        ResponseTemplate::new(200).set_body_string("<html>proxy page</html>"),
        ResponseTemplate::new(200).set_body_json(json!({"choices": []})),
    ] {
        let server = server_always(response).await;
        let err = model(settings(&server))
            .complete(&hello())
            .await
            .expect_err("fails");
        assert!(
            matches!(&err, ChatModelError::Upstream(m) if m.contains("200")),
            "{err:?}"
        );
        assert_eq!(requests(&server).await.len(), 1);
    }
}

#[tokio::test]
async fn debug_output_never_shows_the_key() {
    let server = server(vec![]).await;
    let settings = settings(&server);
    let printed = format!("{settings:?}");
    assert!(
        !printed.contains(KEY) && printed.contains("[redacted]"),
        "{printed}"
    );
    let model = model(settings);
    let printed = format!("{model:?}");
    assert!(
        !printed.contains(KEY) && printed.contains("[redacted]"),
        "{printed}"
    );
    assert!(printed.contains("/v1/chat/completions"), "{printed}");
    assert_eq!(
        model.endpoint(),
        format!("{}/v1/chat/completions", server.uri())
    );
}

#[tokio::test]
async fn invalid_settings_are_refused_without_echoing_the_key() {
    install_crypto();
    let server = server(vec![]).await;
    let base = settings(&server);
    let cases = [
        OpenAiSettings {
            base_url: "not a url".into(),
            ..base.clone()
        },
        OpenAiSettings {
            base_url: "file:///etc".into(),
            ..base.clone()
        },
        OpenAiSettings {
            timeout: Duration::ZERO,
            ..base.clone()
        },
        OpenAiSettings {
            model: String::new(),
            ..base.clone()
        },
        OpenAiSettings {
            api_key: format!("{KEY}\nX-Other: 1"),
            ..base.clone()
        },
        OpenAiSettings {
            api_key: "sk-bad\u{7}key".into(),
            ..base.clone()
        },
    ];
    for case in cases {
        let err = OpenAiModel::new(case).expect_err("refused");
        let text = err.to_string();
        assert!(!text.contains("SECRET") && !text.contains("sk-"), "{text}");
    }
    assert!(matches!(
        OpenAiModel::new(OpenAiSettings {
            api_key: "sk-bad\u{7}key".into(),
            ..base
        }),
        Err(OpenAiSetupError::InvalidApiKey)
    ));
}

#[tokio::test]
async fn one_client_serves_many_calls_concurrently() {
    let server = server_always(completion(
        json!({"role": "assistant", "content": "same"}),
        "stop",
    ))
    .await;
    let model = Arc::new(model(settings(&server)));
    let calls = (0..8).map(|_| {
        let model = model.clone();
        async move { model.complete(&hello()).await }
    });
    let answers = futures_join(calls).await;
    assert!(answers.iter().all(|a| {
        a.as_ref()
            .is_ok_and(|r| r.content.as_deref() == Some("same"))
    }));
    assert_eq!(requests(&server).await.len(), 8);
}

/// Joins futures without pulling in the `futures` crate.
async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("task"));
    }
    out
}
