//! The real agent loop and chat use case over the adapter and a scripted server, with the
//! in-memory repositories: what a user of the chat endpoint sees, and what went over the wire.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use todo_agent::{Agent, AgentConfig, Chat, ChatError, ChatOutcome, ChatService};
use todo_conversation::testing::InMemoryConversationRepository;
use todo_conversation::{ConversationRepository, ConversationService};
use todo_domain::testing::InMemoryTaskRepository;
use todo_domain::{ConversationId, MessageContent, Role, TaskRepository, TaskStatusFilter, UserId};
use todo_openai::OpenAiSettings;
use todo_tools::ToolSet;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::{
    Logs, bodies, model, server, server_always, settings, status, text, tool_calls,
};

struct World {
    server: MockServer,
    tasks: Arc<InMemoryTaskRepository>,
    conversations: Arc<InMemoryConversationRepository>,
    chat: ChatService,
}

async fn world(script: Vec<ResponseTemplate>) -> World {
    world_on(server(script).await, |_| {}, 5)
}

fn world_on(server: MockServer, tweak: impl FnOnce(&mut OpenAiSettings), max_rounds: u32) -> World {
    let mut settings = settings(&server);
    tweak(&mut settings);
    let tasks = Arc::new(InMemoryTaskRepository::new());
    let conversations = Arc::new(InMemoryConversationRepository::new());
    let agent = Agent::new(
        Arc::new(model(settings)),
        ToolSet::task_tools(tasks.clone(), |t| t),
        AgentConfig {
            system_prompt: "SYSTEM".into(),
            max_rounds,
        },
    );
    let chat = ChatService::new(
        Arc::new(ConversationService::new(conversations.clone())),
        Arc::new(agent),
        50,
    );
    World {
        server,
        tasks,
        conversations,
        chat,
    }
}

fn alice() -> UserId {
    UserId::parse("alice").expect("user")
}

fn msg(s: &str) -> MessageContent {
    MessageContent::parse(s).expect("message")
}

impl World {
    async fn say(
        &self,
        conversation: Option<ConversationId>,
        message: &str,
    ) -> Result<ChatOutcome, ChatError> {
        self.chat.chat(&alice(), conversation, msg(message)).await
    }

    /// Every stored message of alice's only conversation.
    async fn stored(&self) -> Vec<(Role, String)> {
        let conversations = self
            .conversations
            .list_conversations(&alice())
            .await
            .expect("conversations");
        assert_eq!(conversations.len(), 1, "one conversation");
        self.conversations
            .list_messages(&alice(), conversations[0].id, 200, None)
            .await
            .expect("messages")
            .into_iter()
            .map(|m| (m.role, m.content.as_str().to_owned()))
            .collect()
    }

    async fn titles(&self) -> Vec<(String, bool)> {
        self.tasks
            .list_tasks(&alice(), TaskStatusFilter::All)
            .await
            .expect("tasks")
            .into_iter()
            .map(|t| (t.title, t.completed))
            .collect()
    }
}

/// The `tool` message's content, parsed back from the JSON text the API carries.
fn tool_result(message: &Value) -> Value {
    assert_eq!(message["role"], "tool", "{message}");
    serde_json::from_str(message["content"].as_str().expect("content is text")).expect("JSON text")
}

fn user(content: &str) -> (Role, String) {
    (Role::User, content.to_owned())
}

fn assistant(content: &str) -> (Role, String) {
    (Role::Assistant, content.to_owned())
}

#[tokio::test]
async fn one_round_of_tool_calls() {
    let w = world(vec![
        tool_calls(&[("call_1", "add_task", r#"{"title":"buy milk"}"#)]),
        text("Added 'buy milk'."),
    ])
    .await;
    let out = w.say(None, "add a task to buy milk").await.expect("chat");

    assert_eq!(out.response, "Added 'buy milk'.");
    assert_eq!(out.tool_calls.len(), 1);
    assert_eq!(out.tool_calls[0].name, "add_task");
    assert_eq!(out.tool_calls[0].arguments, json!({"title": "buy milk"}));
    assert_eq!(
        out.tool_calls[0].result.to_value(),
        json!({"task_id": 1, "status": "created", "title": "buy milk"})
    );
    assert_eq!(w.titles().await, [("buy milk".to_owned(), false)]);

    let sent = bodies(&w.server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0]["messages"],
        json!([
            {"role": "system", "content": "SYSTEM"},
            {"role": "user", "content": "add a task to buy milk"}
        ])
    );
    assert_eq!(sent[0]["tools"].as_array().map(Vec::len), Some(5));
    assert_eq!(sent[0]["tool_choice"], "auto");
    let second = sent[1]["messages"].as_array().expect("messages");
    assert_eq!(second.len(), 4);
    assert_eq!(
        second[..2],
        sent[0]["messages"].as_array().expect("first")[..]
    );
    assert_eq!(
        second[2],
        json!({"role": "assistant", "content": null, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "add_task", "arguments": "{\"title\":\"buy milk\"}"}
        }]})
    );
    assert_eq!(second[3]["tool_call_id"], "call_1");
    assert_eq!(
        tool_result(&second[3]),
        json!({"task_id": 1, "status": "created", "title": "buy milk"})
    );
    assert_eq!(sent[1]["tools"], sent[0]["tools"]);

    assert_eq!(
        w.stored().await,
        [
            user("add a task to buy milk"),
            assistant("Added 'buy milk'.")
        ]
    );
}

#[tokio::test]
async fn several_rounds_and_several_calls_per_round() {
    let w = world(vec![
        tool_calls(&[
            ("a", "add_task", r#"{"title":"one"}"#),
            ("b", "add_task", r#"{"title":"two","description":"second"}"#),
        ]),
        tool_calls(&[("c", "list_tasks", r#"{"status":"pending"}"#)]),
        tool_calls(&[("d", "complete_task", r#"{"task_id":2}"#)]),
        text("Added two tasks and completed 'two'."),
    ])
    .await;
    let out = w.say(None, "do things").await.expect("chat");
    assert_eq!(out.response, "Added two tasks and completed 'two'.");
    let names: Vec<&str> = out.tool_calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["add_task", "add_task", "list_tasks", "complete_task"]
    );
    assert_eq!(
        w.titles().await,
        [("one".to_owned(), false), ("two".to_owned(), true)]
    );

    let sent = bodies(&w.server).await;
    assert_eq!(sent.len(), 4);
    // Each request holds everything before it: system, user, then per round the assistant's
    // calls and one tool message per call, in order.
    let last = sent[3]["messages"].as_array().expect("messages");
    let roles: Vec<&str> = last
        .iter()
        .map(|m| m["role"].as_str().expect("role"))
        .collect();
    assert_eq!(
        roles,
        [
            "system",
            "user",
            "assistant",
            "tool",
            "tool",
            "assistant",
            "tool",
            "assistant",
            "tool"
        ]
    );
    for (i, body) in sent.iter().enumerate() {
        assert_eq!(
            body["messages"].as_array().map(Vec::len),
            Some([2, 5, 7, 9][i])
        );
    }
    let ids: Vec<&str> = last[2]["tool_calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(last[3]["tool_call_id"], "a");
    assert_eq!(last[4]["tool_call_id"], "b");
    assert_eq!(tool_result(&last[4])["title"], "two");
    assert_eq!(last[6]["tool_call_id"], "c");
    let listed = tool_result(&last[6]);
    assert_eq!(listed["tasks"].as_array().map(Vec::len), Some(2));
    assert_eq!(last[8]["tool_call_id"], "d");
    assert_eq!(
        tool_result(&last[8]),
        json!({"task_id": 2, "status": "completed", "title": "two"})
    );
}

#[tokio::test]
async fn the_second_turn_sends_the_stored_history() {
    let w = world(vec![text("Hello! What shall I add?"), text("Noted.")]).await;
    let first = w.say(None, "hi there").await.expect("first");
    let second = w
        .say(Some(first.conversation_id), "nothing yet")
        .await
        .expect("second");
    assert_eq!(second.conversation_id, first.conversation_id);

    let sent = bodies(&w.server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1]["messages"],
        json!([
            {"role": "system", "content": "SYSTEM"},
            {"role": "user", "content": "hi there"},
            {"role": "assistant", "content": "Hello! What shall I add?"},
            {"role": "user", "content": "nothing yet"}
        ])
    );
    assert_eq!(
        w.stored().await,
        [
            user("hi there"),
            assistant("Hello! What shall I add?"),
            user("nothing yet"),
            assistant("Noted."),
        ]
    );
}

#[tokio::test]
async fn malformed_arguments_go_back_to_the_model_as_a_tool_error() {
    let w = world(vec![
        tool_calls(&[("bad", "add_task", r#"{"title": "milk""#)]),
        tool_calls(&[("good", "add_task", r#"{"title": "milk"}"#)]),
        text("Added milk on the second try."),
    ])
    .await;
    let out = w.say(None, "add milk").await.expect("chat answers");
    assert_eq!(out.response, "Added milk on the second try.");
    assert_eq!(w.titles().await, [("milk".to_owned(), false)], "added once");
    assert!(out.tool_calls[0].result.error().is_some());

    let sent = bodies(&w.server).await;
    assert_eq!(sent.len(), 3);
    let m = sent[1]["messages"].as_array().expect("messages");
    assert_eq!(
        m[2]["tool_calls"][0]["function"]["arguments"],
        r#"{"title": "milk""#
    );
    assert_eq!(m[3]["tool_call_id"], "bad");
    let result = tool_result(&m[3]);
    assert_eq!(keys_of(&result), ["error"]);
    assert!(
        result["error"]
            .as_str()
            .is_some_and(|e| e.contains("not valid JSON")),
        "{result}"
    );
}

#[tokio::test]
async fn an_unknown_tool_goes_back_to_the_model_as_a_tool_error() {
    let w = world(vec![
        tool_calls(&[("x", "launch_rocket", "{}")]),
        text("I can't do that, but I can manage your tasks."),
    ])
    .await;
    let out = w.say(None, "launch a rocket").await.expect("chat answers");
    assert_eq!(
        out.response,
        "I can't do that, but I can manage your tasks."
    );
    let sent = bodies(&w.server).await;
    assert_eq!(sent.len(), 2);
    let m = sent[1]["messages"].as_array().expect("messages");
    assert_eq!(m[3]["tool_call_id"], "x");
    assert_eq!(
        tool_result(&m[3]),
        json!({"error": "unknown tool 'launch_rocket'"})
    );
    assert!(w.titles().await.is_empty());
}

#[tokio::test]
async fn the_round_limit_holds_against_a_model_that_never_stops_calling_tools() {
    let w = world_on(
        server_always(tool_calls(&[("loop", "list_tasks", "{}")])).await,
        |_| {},
        3,
    );
    let out = w.say(None, "list forever").await.expect("chat answers");
    assert!(
        out.response.contains("stopped after 3 rounds"),
        "{}",
        out.response
    );
    assert_eq!(out.tool_calls.len(), 3);
    assert_eq!(bodies(&w.server).await.len(), 3);
}

fn keys_of(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

// ---- failures: the turn fails, the user's message stays, no assistant reply, no key logged.

#[tokio::test]
async fn a_timeout_fails_the_turn_after_one_request_and_keeps_the_message() {
    let (logs, _guard) = Logs::capture();
    let w = world_on(
        server_always(text("too late").set_delay(Duration::from_secs(3))).await,
        |s| s.timeout = Duration::from_millis(300),
        5,
    );
    let started = Instant::now();
    let err = w.say(None, "add milk").await.expect_err("times out");
    assert_eq!(err, ChatError::ModelTimeout);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(bodies(&w.server).await.len(), 1, "no retry after a timeout");
    assert_eq!(w.stored().await, [user("add milk")]);
    logs.assert_no_key();
}

#[tokio::test]
async fn a_server_error_then_success_answers_after_one_retry() {
    let (logs, _guard) = Logs::capture();
    let w = world(vec![status(500), text("Here you are.")]).await;
    let out = w.say(None, "hello").await.expect("retried");
    assert_eq!(out.response, "Here you are.");
    let sent = bodies(&w.server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], sent[1], "the retry sends the same request");
    assert_eq!(
        w.stored().await,
        [user("hello"), assistant("Here you are.")]
    );
    assert_eq!(logs.retries().len(), 1, "{}", logs.text());
    logs.assert_no_key();
}

#[tokio::test]
async fn server_errors_forever_fail_the_turn_after_every_retry() {
    let (logs, _guard) = Logs::capture();
    let w = world_on(server_always(status(500)).await, |s| s.max_retries = 2, 5);
    let err = w.say(None, "hello").await.expect_err("fails");
    let ChatError::ModelFailed(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("500"), "{message}");
    assert_eq!(bodies(&w.server).await.len(), 3, "1 + max_retries requests");
    assert_eq!(w.stored().await, [user("hello")]);
    assert_eq!(logs.retries().len(), 2, "{}", logs.text());
    logs.assert_no_key();
}

#[tokio::test]
async fn a_rate_limit_waits_for_retry_after_then_answers() {
    let (logs, _guard) = Logs::capture();
    let w = world(vec![
        status(429).insert_header("Retry-After", "1"),
        text("Done waiting."),
    ])
    .await;
    let started = Instant::now();
    let out = w.say(None, "hello").await.expect("answers");
    let waited = started.elapsed();
    assert_eq!(out.response, "Done waiting.");
    assert!(waited >= Duration::from_millis(990), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(bodies(&w.server).await.len(), 2);
    let retries = logs.retries();
    assert_eq!(retries.len(), 1, "{}", logs.text());
    assert!(
        retries[0].contains("429") && retries[0].contains("delay_ms=1000"),
        "{}",
        retries[0]
    );
    logs.assert_no_key();
}

#[tokio::test]
async fn unauthorized_fails_at_once_and_keeps_the_message() {
    let (logs, _guard) = Logs::capture();
    let w = world(vec![ResponseTemplate::new(401).set_body_json(
        json!({"error": {
            "message": format!("Incorrect API key provided: {}", crate::support::KEY),
            "type": "invalid_request_error", "code": "invalid_api_key"
        }}),
    )])
    .await;
    let err = w.say(None, "hello").await.expect_err("fails");
    let ChatError::ModelFailed(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains("sk-"), "{message}");
    assert_eq!(bodies(&w.server).await.len(), 1, "a 401 is not retried");
    assert_eq!(w.stored().await, [user("hello")]);
    assert!(logs.retries().is_empty());
    logs.assert_no_key();
}

#[tokio::test]
async fn a_failure_in_a_later_round_keeps_the_message_and_the_tool_work_done() {
    let w = world(vec![
        tool_calls(&[("a", "add_task", r#"{"title":"milk"}"#)]),
        status(400),
    ])
    .await;
    let err = w.say(None, "add milk").await.expect_err("fails");
    assert!(matches!(err, ChatError::ModelFailed(_)), "{err:?}");
    assert_eq!(w.titles().await, [("milk".to_owned(), false)]);
    assert_eq!(w.stored().await, [user("add milk")]);
}
