//! The agent loop and the chat use case with a scripted model over in-memory ports.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::json;
use todo_agent::{
    Agent, AgentConfig, Chat, ChatError, ChatMessage, ChatModel, ChatModelError, ChatRequest,
    ChatResponse, ChatService, ToolCallRequest,
};
use todo_conversation::testing::InMemoryConversationRepository;
use todo_conversation::{ConversationRepository, ConversationService};
use todo_domain::testing::InMemoryTaskRepository;
use todo_domain::{ConversationId, MessageContent, Role, TaskRepository, TaskStatusFilter, UserId};
use todo_tools::{ToolOutput, ToolSet};

/// Answers from a script, one entry per call, and keeps every request it saw.
#[derive(Default)]
struct Scripted {
    answers: Mutex<VecDeque<Result<ChatResponse, ChatModelError>>>,
    seen: Mutex<Vec<ChatRequest>>,
}

impl Scripted {
    fn new(answers: Vec<Result<ChatResponse, ChatModelError>>) -> Arc<Self> {
        Arc::new(Self {
            answers: Mutex::new(answers.into()),
            seen: Mutex::default(),
        })
    }

    fn requests(&self) -> Vec<ChatRequest> {
        self.seen.lock().expect("lock").clone()
    }
}

#[async_trait]
impl ChatModel for Scripted {
    fn provider(&self) -> &str {
        "scripted"
    }

    fn model(&self) -> &str {
        "scripted-1"
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ChatModelError> {
        self.seen.lock().expect("lock").push(request.clone());
        self.answers
            .lock()
            .expect("lock")
            .pop_front()
            .unwrap_or_else(|| Ok(text("script exhausted")))
    }
}

fn text(s: &str) -> ChatResponse {
    ChatResponse {
        content: Some(s.into()),
        finish_reasons: vec!["stop".into()],
        ..Default::default()
    }
}

fn calls(list: &[(&str, &str, &str)]) -> ChatResponse {
    ChatResponse {
        tool_calls: list
            .iter()
            .map(|(id, name, args)| ToolCallRequest {
                id: (*id).into(),
                name: (*name).into(),
                arguments: (*args).into(),
            })
            .collect(),
        finish_reasons: vec!["tool_calls".into()],
        ..Default::default()
    }
}

struct World {
    tasks: Arc<InMemoryTaskRepository>,
    conversations: Arc<InMemoryConversationRepository>,
    model: Arc<Scripted>,
    chat: ChatService,
}

fn world(script: Vec<Result<ChatResponse, ChatModelError>>, max_rounds: u32) -> World {
    let tasks = Arc::new(InMemoryTaskRepository::new());
    let conversations = Arc::new(InMemoryConversationRepository::new());
    let model = Scripted::new(script);
    let agent = Agent::new(
        model.clone(),
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
        tasks,
        conversations,
        model,
        chat,
    }
}

fn alice() -> UserId {
    UserId::parse("alice").expect("user")
}

fn msg(s: &str) -> MessageContent {
    MessageContent::parse(s).expect("message")
}

#[tokio::test]
async fn one_round_of_tools_then_text() {
    let w = world(
        vec![
            Ok(calls(&[("c1", "add_task", r#"{"title":"buy milk"}"#)])),
            Ok(text("Added buy milk.")),
        ],
        5,
    );
    let out = w
        .chat
        .chat(&alice(), None, msg("add a task to buy milk"))
        .await
        .expect("chat");
    assert_eq!(out.response, "Added buy milk.");
    assert_eq!(out.tool_calls.len(), 1);
    assert_eq!(out.tool_calls[0].name, "add_task");
    assert_eq!(out.tool_calls[0].arguments, json!({"title": "buy milk"}));
    assert_eq!(
        out.tool_calls[0].result.to_value(),
        json!({"task_id": 1, "status": "created", "title": "buy milk"})
    );
    let tasks = w
        .tasks
        .list_tasks(&alice(), TaskStatusFilter::All)
        .await
        .expect("list");
    assert_eq!(tasks.len(), 1);

    // The second request carries the assistant's tool call and the tool's result.
    let requests = w.model.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].messages[0],
        ChatMessage::System("SYSTEM".into())
    );
    assert_eq!(
        requests[0].messages[1],
        ChatMessage::User("add a task to buy milk".into())
    );
    assert_eq!(requests[0].tools.len(), 5);
    let second = &requests[1].messages;
    assert!(
        matches!(&second[2], ChatMessage::Assistant { tool_calls, .. } if tool_calls[0].id == "c1")
    );
    assert!(
        matches!(&second[3], ChatMessage::Tool { call_id, name, result }
        if call_id == "c1" && name == "add_task" && result.to_value()["status"] == "created")
    );

    // Both messages are stored, in order.
    let stored = w
        .conversations
        .list_messages(&alice(), out.conversation_id, 50, None)
        .await
        .expect("m");
    assert_eq!(
        stored
            .iter()
            .map(|m| (m.role, m.content.as_str().to_owned()))
            .collect::<Vec<_>>(),
        vec![
            (Role::User, "add a task to buy milk".to_owned()),
            (Role::Assistant, "Added buy milk.".to_owned()),
        ]
    );
}

#[tokio::test]
async fn several_rounds_and_several_calls_per_round() {
    let w = world(
        vec![
            Ok(calls(&[
                ("a", "add_task", r#"{"title":"one"}"#),
                ("b", "add_task", r#"{"title":"two"}"#),
            ])),
            Ok(calls(&[("c", "list_tasks", "{}")])),
            Ok(calls(&[("d", "complete_task", r#"{"task_id": 2}"#)])),
            Ok(text("done")),
        ],
        5,
    );
    let out = w.chat.chat(&alice(), None, msg("go")).await.expect("chat");
    assert_eq!(out.response, "done");
    let names: Vec<_> = out.tool_calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["add_task", "add_task", "list_tasks", "complete_task"]
    );
    assert_eq!(
        out.tool_calls[2].result.to_value()["tasks"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // The answer carries the listing as its text only; the model saw the tasks.
    assert!(
        matches!(out.tool_calls[2].result, ToolOutput::Written(_)),
        "{:?}",
        out.tool_calls[2].result
    );
    assert_eq!(out.tool_calls[3].result.to_value()["status"], "completed");
    assert_eq!(w.model.requests().len(), 4);
}

#[tokio::test]
async fn the_round_limit_holds() {
    let looping: Vec<_> = (0..10)
        .map(|i| Ok(calls(&[(&*format!("c{i}"), "list_tasks", "{}")])))
        .collect();
    let w = world(looping, 3);
    let out = w
        .chat
        .chat(&alice(), None, msg("loop"))
        .await
        .expect("chat");
    assert_eq!(
        w.model.requests().len(),
        3,
        "no more model calls than the limit"
    );
    assert_eq!(out.tool_calls.len(), 3);
    assert!(
        out.response.contains("stopped after 3 rounds"),
        "{}",
        out.response
    );
}

#[tokio::test]
async fn malformed_arguments_and_unknown_tools_go_back_to_the_model() {
    let w = world(
        vec![
            Ok(calls(&[
                ("a", "add_task", "{not json"),
                ("b", "fly_to_moon", "{}"),
                ("c", "add_task", "[1]"),
            ])),
            Ok(text("sorry")),
        ],
        5,
    );
    let out = w.chat.chat(&alice(), None, msg("x")).await.expect("chat");
    assert_eq!(out.response, "sorry");
    assert!(
        out.tool_calls[0].result.to_value()["error"]
            .as_str()
            .is_some_and(|e| e.contains("not valid JSON"))
    );
    assert_eq!(
        out.tool_calls[1].result.to_value(),
        json!({"error": "unknown tool 'fly_to_moon'"})
    );
    assert!(
        out.tool_calls[2].result.to_value()["error"]
            .as_str()
            .is_some_and(|e| e.contains("JSON object"))
    );
    let second = &w.model.requests()[1].messages;
    let tool_results = second
        .iter()
        .filter(|m| matches!(m, ChatMessage::Tool { .. }))
        .count();
    assert_eq!(tool_results, 3, "every call gets an answer");
}

#[tokio::test]
async fn history_is_sent_on_the_next_turn() {
    let w = world(vec![Ok(text("first answer")), Ok(text("second answer"))], 5);
    let first = w
        .chat
        .chat(&alice(), None, msg("first question"))
        .await
        .expect("chat");
    let second = w
        .chat
        .chat(
            &alice(),
            Some(first.conversation_id),
            msg("second question"),
        )
        .await
        .expect("chat");
    assert_eq!(second.conversation_id, first.conversation_id);
    let sent = &w.model.requests()[1].messages;
    assert_eq!(
        sent,
        &vec![
            ChatMessage::System("SYSTEM".into()),
            ChatMessage::User("first question".into()),
            ChatMessage::Assistant {
                content: Some("first answer".into()),
                tool_calls: vec![]
            },
            ChatMessage::User("second question".into()),
        ]
    );
}

/// With a budget, the model sees the newest messages that fit: here the last answer and
/// question (12 + 15 bytes), not the long first answer, though the first question would
/// still fit after it. The turn's own message is never cut.
#[tokio::test]
async fn the_history_the_model_sees_stays_within_its_budget() {
    let long = "- buy milk\n".repeat(100);
    let mut w = world(
        vec![
            Ok(text(&long)),
            Ok(text("short answer")),
            Ok(text("third answer")),
        ],
        5,
    );
    w.chat = w.chat.with_history_max_bytes(Some(40));
    let first = w.chat.chat(&alice(), None, msg("q1")).await.expect("chat");
    let id = Some(first.conversation_id);
    w.chat
        .chat(&alice(), id, msg("second question"))
        .await
        .expect("chat");
    w.chat
        .chat(&alice(), id, msg("third question"))
        .await
        .expect("chat");
    assert_eq!(
        w.model.requests()[2].messages,
        vec![
            ChatMessage::System("SYSTEM".into()),
            ChatMessage::User("second question".into()),
            ChatMessage::Assistant {
                content: Some("short answer".into()),
                tool_calls: vec![]
            },
            ChatMessage::User("third question".into()),
        ]
    );
    // What is stored is untouched: all six messages.
    let stored = w
        .conversations
        .list_messages(&alice(), first.conversation_id, 50, None)
        .await
        .expect("messages");
    assert_eq!(stored.len(), 6);
}

#[tokio::test]
async fn a_failing_model_keeps_the_users_message_and_stores_no_reply() {
    for (error, expected) in [
        (ChatModelError::Timeout, ChatError::ModelTimeout),
        (
            ChatModelError::Upstream("500".into()),
            ChatError::ModelFailed("500".into()),
        ),
    ] {
        let w = world(vec![Err(error)], 5);
        let err = w
            .chat
            .chat(&alice(), None, msg("hello?"))
            .await
            .expect_err("fails");
        assert_eq!(err, expected);
        let conversations = w
            .conversations
            .list_conversations(&alice())
            .await
            .expect("list");
        let stored = w
            .conversations
            .list_messages(&alice(), conversations[0].id, 50, None)
            .await
            .expect("m");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].role, Role::User);
        assert_eq!(stored[0].content.as_str(), "hello?");
    }
}

#[tokio::test]
async fn another_users_conversation_is_not_found() {
    let w = world(vec![Ok(text("hi"))], 5);
    let bobs = w
        .conversations
        .insert_conversation(&UserId::parse("bob").expect("u"))
        .await
        .expect("c");
    let err = w
        .chat
        .chat(&alice(), Some(bobs.id), msg("let me in"))
        .await
        .expect_err("404");
    assert_eq!(err, ChatError::ConversationNotFound);
    let missing = ConversationId::new(999).expect("id");
    assert_eq!(
        w.chat.chat(&alice(), Some(missing), msg("x")).await,
        Err(ChatError::ConversationNotFound)
    );
    assert!(w.model.requests().is_empty(), "the model is never asked");
}

#[tokio::test]
async fn a_store_outage_during_a_tool_call_fails_the_turn() {
    let w = world(
        vec![Ok(calls(&[("a", "list_tasks", "{}")])), Ok(text("never"))],
        5,
    );
    w.tasks.set_unavailable(true);
    let err = w
        .chat
        .chat(&alice(), None, msg("list"))
        .await
        .expect_err("503");
    assert!(matches!(err, ChatError::Unavailable(_)), "{err:?}");
    w.conversations.set_unavailable(true);
    let err = w
        .chat
        .chat(&alice(), None, msg("list"))
        .await
        .expect_err("503");
    assert!(matches!(err, ChatError::Unavailable(_)), "{err:?}");
}
