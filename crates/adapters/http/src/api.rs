//! The routes of CONTRACT.md §2 (all but the metrics pair) as a poem-openapi API.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::{Any, MaybeUndefined};
use poem_openapi::{ApiResponse, Object, OpenApi, SecurityScheme, Tags};
use serde::Serialize;
use todo_agent::ToolCallRecord;
use todo_conversation::{DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT};
use todo_domain::{
    Conversation, ConversationId, Message, MessageContent, NewTask, Task, TaskDescription, TaskId,
    TaskPatch, TaskStatusFilter, TaskTitle, Timestamp,
};
use todo_tools::ToolOutput;

use crate::HttpState;
use crate::error::ApiError;
use crate::middleware::AuthUser;
use crate::payload::{JsonBody, JsonSize, Pieces};
use crate::text::Text;

// Timestamps in the form poem-openapi's `ToJSON` gives them (`to_rfc3339`), so that
// `JsonBody` writes the bytes `Json` would, without a string per timestamp (a task listing has
// two per task).
use todo_domain::timestamp::serialize_rfc3339 as rfc3339;

type Result<T> = std::result::Result<T, ApiError>;

#[derive(Tags)]
enum Tag {
    /// Chat with the agent that manages your tasks
    Chat,
    /// Tasks, directly
    Tasks,
    /// Stored conversations
    Conversations,
    /// Liveness and readiness
    Health,
}

/// `Authorization: Bearer <JWT>` (HS256, `sub` = the user id, `exp` required).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT")]
#[expect(
    dead_code,
    reason = "the guard verifies the token; this documents the scheme"
)]
pub struct BearerAuth(poem_openapi::auth::Bearer);

#[derive(Debug, Object)]
struct ChatRequest {
    /// The conversation to continue; omitted or null starts a new one.
    conversation_id: Option<i64>,
    /// 1..=4000 characters, not only whitespace.
    message: Text,
}

#[derive(Debug, Object, Serialize)]
struct ToolCallBody {
    name: String,
    arguments: serde_json::Value,
    /// Written from the tool's typed output (documented as any JSON, as a `Value` is): a
    /// listing of hundreds of tasks is not built as a JSON tree first.
    #[oai(deserialize_with = "never_parsed")]
    result: Any<ToolOutput>,
}

/// A chat answer is written, never read: [`ToolCallBody`] is not a request body.
fn never_parsed(_: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Any<ToolOutput>> {
    Err(poem_openapi::types::ParseError::custom(
        "a tool result is not accepted as input",
    ))
}

#[derive(Debug, Object, Serialize)]
struct ChatResponse {
    conversation_id: i64,
    response: String,
    tool_calls: Vec<ToolCallBody>,
}

#[derive(Debug, Object, Serialize)]
#[oai(rename = "Task")]
struct TaskBody {
    id: i64,
    title: String,
    description: Option<String>,
    completed: bool,
    #[serde(serialize_with = "rfc3339")]
    created_at: Timestamp,
    #[serde(serialize_with = "rfc3339")]
    updated_at: Timestamp,
}

#[derive(Debug, Object)]
struct CreateTask {
    /// 1..=200 characters after trimming.
    title: Text,
    /// At most 1000 characters.
    description: Option<Text>,
}

#[derive(Debug, Object)]
struct UpdateTask {
    /// A new title; omitted leaves it.
    title: MaybeUndefined<Text>,
    /// A new description; null clears it, omitted leaves it.
    description: MaybeUndefined<Text>,
}

#[derive(Debug, Object, Serialize)]
#[oai(rename = "Conversation")]
struct ConversationBody {
    id: i64,
    #[serde(serialize_with = "rfc3339")]
    created_at: Timestamp,
    #[serde(serialize_with = "rfc3339")]
    updated_at: Timestamp,
}

#[derive(Debug, Object, Serialize)]
#[oai(rename = "Message")]
struct MessageBody {
    id: i64,
    /// `user` or `assistant`.
    role: String,
    content: String,
    #[serde(serialize_with = "rfc3339")]
    created_at: Timestamp,
}

// What each body reserves (`JsonSize`): its fixed part at most (keys, punctuation, a 19-digit
// id, times of up to 35 characters), its texts as they are, and a few bytes for escapes; more
// escapes than that cost a step of the buffer's growth.

impl JsonSize for ChatResponse {
    fn json_size(&self) -> usize {
        // A listing's answer has a line a task, and each line break is written `\n`: an
        // eighth more than the text covers them (gdb found a 78 kB body growing by 325 bytes
        // past its reserve, and copied).
        72 + self.response.len()
            + self.response.len() / 8
            + self
                .tool_calls
                .iter()
                // The arguments are a few short fields; the result knows its size.
                .map(|call| 40 + call.name.len() + 64 + call.result.0.json_size())
                .sum::<usize>()
    }

    /// The answer as [`ChatResponse::pieces`] writes it.
    fn into_body(self) -> serde_json::Result<poem::Body> {
        self.pieces().map(Pieces::into_body)
    }
}

impl ChatResponse {
    /// What serde writes of the answer, but a result held as its text (a listing, see
    /// [`ToolOutput::into_written`]) handed over as a piece of its own, not copied.
    fn pieces(self) -> serde_json::Result<Pieces> {
        let texts: usize = self
            .tool_calls
            .iter()
            .map(|call| match &call.result.0 {
                ToolOutput::Written(text) => text.get().len(),
                _ => 0,
            })
            .sum();
        let mut out = Pieces::with_capacity(self.json_size().saturating_sub(texts));
        out.push(b"{\"conversation_id\":");
        serde_json::to_writer(&mut out, &self.conversation_id)?;
        out.push(b",\"response\":");
        out.push_json_str(&self.response);
        out.push(b",\"tool_calls\":[");
        for (i, call) in self.tool_calls.into_iter().enumerate() {
            out.push(if i == 0 {
                b"{\"name\":"
            } else {
                b",{\"name\":"
            });
            serde_json::to_writer(&mut out, &call.name)?;
            out.push(b",\"arguments\":");
            serde_json::to_writer(&mut out, &call.arguments)?;
            out.push(b",\"result\":");
            match call.result.0 {
                ToolOutput::Written(text) => out.push_text(text.into_string()),
                other => serde_json::to_writer(&mut out, &other)?,
            }
            out.push(b"}");
        }
        out.push(b"]}");
        Ok(out)
    }
}

impl JsonSize for TaskBody {
    fn json_size(&self) -> usize {
        184 + self.title.len() + self.description.as_ref().map_or(0, String::len)
    }
}

impl JsonSize for ConversationBody {
    fn json_size(&self) -> usize {
        128
    }
}

impl JsonSize for MessageBody {
    fn json_size(&self) -> usize {
        104 + self.role.len() + self.content.len()
    }
}

#[derive(Debug, Object)]
struct Status {
    status: String,
}

#[derive(Debug, Object)]
struct Unready {
    status: String,
    reason: String,
}

/// One operation's recent durations against its target.
#[derive(Debug, Object)]
struct OperationSummary {
    operation: String,
    count: u64,
    errors: u64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// The p95 target, when the operation has one.
    target_p95_ms: Option<f64>,
    /// Whether p95 is below the target (null without a target).
    within_target: Option<bool>,
}

#[derive(Debug, Object)]
struct MetricsSummary {
    operations: Vec<OperationSummary>,
}

#[derive(ApiResponse)]
enum Created {
    #[oai(status = 201)]
    Task(JsonBody<TaskBody>),
}

#[derive(ApiResponse)]
enum Deleted {
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
enum Readiness {
    /// The database answers.
    #[oai(status = 200)]
    Ready(Json<Status>),
    /// The database does not answer.
    #[oai(status = 503)]
    Unavailable(Json<Unready>),
}

impl From<Task> for TaskBody {
    fn from(t: Task) -> Self {
        Self {
            id: t.id.get(),
            title: t.title,
            description: t.description,
            completed: t.completed,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

impl From<Conversation> for ConversationBody {
    fn from(c: Conversation) -> Self {
        Self {
            id: c.id.get(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<Message> for MessageBody {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            role: m.role.as_str().to_owned(),
            content: m.content.into_inner(),
            created_at: m.created_at,
        }
    }
}

impl From<ToolCallRecord> for ToolCallBody {
    fn from(r: ToolCallRecord) -> Self {
        Self {
            name: r.name,
            arguments: r.arguments,
            result: Any(r.result),
        }
    }
}

fn task_id(raw: i64) -> Result<TaskId> {
    Ok(TaskId::new(raw)?)
}

/// The routes. `state` is `None` only in the instance that renders the OpenAPI document
/// without serving (`todo-chatbot openapi`).
pub struct Api {
    pub(crate) state: Option<Arc<HttpState>>,
}

impl Api {
    fn state(&self) -> Result<&HttpState> {
        self.state.as_deref().ok_or_else(ApiError::internal)
    }
}

/// The routes. `user_id` in a path has been checked against the token by the guard in
/// `middleware`; handlers act for the [`AuthUser`] only.
#[OpenApi]
impl Api {
    /// Send a message to the agent; it may add, list, complete, update or delete tasks.
    #[oai(path = "/api/:user_id/chat", method = "post", tag = "Tag::Chat")]
    async fn chat(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
        body: Json<ChatRequest>,
    ) -> Result<JsonBody<ChatResponse>> {
        let message = MessageContent::parse(body.0.message.0)?;
        let conversation = body
            .0
            .conversation_id
            .map(ConversationId::new)
            .transpose()?;
        let outcome = self
            .state()?
            .chat
            .chat(&user.0.0, conversation, message)
            .await?;
        Ok(JsonBody(ChatResponse {
            conversation_id: outcome.conversation_id.get(),
            response: outcome.response,
            tool_calls: outcome.tool_calls.into_iter().map(Into::into).collect(),
        }))
    }

    /// The user's tasks, oldest first.
    #[oai(path = "/api/:user_id/tasks", method = "get", tag = "Tag::Tasks")]
    async fn list_tasks(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
        /// `all` (default), `pending` or `completed`.
        status: Query<Option<String>>,
    ) -> Result<JsonBody<Vec<TaskBody>>> {
        let filter = match status.0.as_deref() {
            None => TaskStatusFilter::All,
            Some(s) => TaskStatusFilter::parse(s)?,
        };
        let tasks = self.state()?.tasks.list_tasks(&user.0.0, filter).await?;
        Ok(JsonBody(tasks.into_iter().map(Into::into).collect()))
    }

    /// Create a task.
    #[oai(path = "/api/:user_id/tasks", method = "post", tag = "Tag::Tasks")]
    async fn create_task(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
        body: Json<CreateTask>,
    ) -> Result<Created> {
        let task = NewTask {
            title: TaskTitle::parse(&body.0.title.0)?,
            description: TaskDescription::parse_optional(
                body.0.description.as_ref().map(|d| d.0.as_str()),
            )?,
        };
        let task = self.state()?.tasks.insert_task(&user.0.0, task).await?;
        Ok(Created::Task(JsonBody(task.into())))
    }

    /// One task.
    #[oai(path = "/api/:user_id/tasks/:id", method = "get", tag = "Tag::Tasks")]
    async fn get_task(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
        id: Path<i64>,
    ) -> Result<JsonBody<TaskBody>> {
        let task = self
            .state()?
            .tasks
            .get_task(&user.0.0, task_id(id.0)?)
            .await?;
        Ok(JsonBody(task.into()))
    }

    /// Change the fields present; `"description": null` clears it.
    #[oai(path = "/api/:user_id/tasks/:id", method = "put", tag = "Tag::Tasks")]
    async fn update_task(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
        id: Path<i64>,
        body: Json<UpdateTask>,
    ) -> Result<JsonBody<TaskBody>> {
        let id = task_id(id.0)?;
        let title = match body.0.title {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                return Err(ApiError::invalid(
                    "title cannot be null; omit it to keep it",
                ));
            }
            MaybeUndefined::Value(t) => Some(TaskTitle::parse(&t.0)?),
        };
        let description = match body.0.description {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(d) => Some(TaskDescription::parse_optional(Some(&d.0))?),
        };
        let task = self
            .state()?
            .tasks
            .update_task(&user.0.0, id, TaskPatch { title, description })
            .await?;
        Ok(JsonBody(task.into()))
    }

    /// Toggle `completed`.
    #[oai(
        path = "/api/:user_id/tasks/:id/complete",
        method = "patch",
        tag = "Tag::Tasks"
    )]
    async fn toggle_task(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
        id: Path<i64>,
    ) -> Result<JsonBody<TaskBody>> {
        let task = self
            .state()?
            .tasks
            .set_completed(&user.0.0, task_id(id.0)?, None)
            .await?;
        Ok(JsonBody(task.into()))
    }

    /// Delete a task.
    #[oai(
        path = "/api/:user_id/tasks/:id",
        method = "delete",
        tag = "Tag::Tasks"
    )]
    async fn delete_task(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
        id: Path<i64>,
    ) -> Result<Deleted> {
        self.state()?
            .tasks
            .delete_task(&user.0.0, task_id(id.0)?)
            .await?;
        Ok(Deleted::NoContent)
    }

    /// The user's conversations, most recently active first.
    #[oai(
        path = "/api/:user_id/conversations",
        method = "get",
        tag = "Tag::Conversations"
    )]
    async fn list_conversations(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
    ) -> Result<JsonBody<Vec<ConversationBody>>> {
        let list = self.state()?.conversations.list(&user.0.0).await?;
        Ok(JsonBody(list.into_iter().map(Into::into).collect()))
    }

    /// The latest `limit` messages of a conversation, oldest first.
    #[oai(
        path = "/api/:user_id/conversations/:id/messages",
        method = "get",
        tag = "Tag::Conversations"
    )]
    async fn list_messages(
        &self,
        _auth: BearerAuth,
        #[oai(name = "user_id")] _user_id: Path<String>,
        user: Data<&AuthUser>,
        id: Path<i64>,
        /// 1..=200, default 50.
        limit: Query<Option<i64>>,
    ) -> Result<JsonBody<Vec<MessageBody>>> {
        let id = ConversationId::new(id.0)?;
        let limit = match limit.0 {
            None => DEFAULT_HISTORY_LIMIT,
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_HISTORY_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid(format!("limit must be between 1 and {MAX_HISTORY_LIMIT}"))
                })?,
        };
        let messages = self
            .state()?
            .conversations
            .messages(&user.0.0, id, limit)
            .await?;
        Ok(JsonBody(messages.into_iter().map(Into::into).collect()))
    }

    /// Prometheus text exposition of every histogram and counter.
    #[oai(path = "/metrics", method = "get", tag = "Tag::Health")]
    async fn metrics(&self) -> PlainText<String> {
        let text = self
            .state
            .as_ref()
            .and_then(|s| s.metrics.as_ref())
            .map(|m| m.prometheus_text())
            .unwrap_or_default();
        PlainText(text)
    }

    /// p50/p95/p99 per operation over the recent window, against the targets.
    #[oai(path = "/metrics/summary", method = "get", tag = "Tag::Health")]
    async fn metrics_summary(&self) -> Json<MetricsSummary> {
        let rows = self
            .state
            .as_ref()
            .and_then(|s| s.metrics.as_ref())
            .map(|m| m.summary())
            .unwrap_or_default();
        Json(MetricsSummary {
            operations: rows
                .into_iter()
                .map(|r| OperationSummary {
                    operation: r.operation,
                    count: r.count,
                    errors: r.errors,
                    p50_ms: r.p50_ms,
                    p95_ms: r.p95_ms,
                    p99_ms: r.p99_ms,
                    max_ms: r.max_ms,
                    target_p95_ms: r.target_p95_ms,
                    within_target: r.within_target,
                })
                .collect(),
        })
    }

    /// Liveness: the process answers.
    #[oai(path = "/health", method = "get", tag = "Tag::Health")]
    async fn health(&self) -> Json<Status> {
        Json(Status {
            status: "ok".to_owned(),
        })
    }

    /// Readiness: the database answers.
    #[oai(path = "/ready", method = "get", tag = "Tag::Health")]
    async fn ready(&self) -> Readiness {
        let Ok(state) = self.state() else {
            return Readiness::Unavailable(Json(Unready {
                status: "unavailable".to_owned(),
                reason: "not serving".to_owned(),
            }));
        };
        match state.tasks.ping().await {
            Ok(()) => Readiness::Ready(Json(Status {
                status: "ready".to_owned(),
            })),
            Err(e) => {
                tracing::warn!(error = %e, "readiness check failed");
                Readiness::Unavailable(Json(Unready {
                    status: "unavailable".to_owned(),
                    reason: "the database does not answer".to_owned(),
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;
    use serde_json::json;

    use super::*;

    /// What `JsonBody` writes (serde) is what `Json` would have (poem-openapi's `ToJSON`),
    /// for every body it carries: nulls, nested JSON, odd characters and timestamps included;
    /// and it fits in the buffer its `JsonSize` reserved.
    fn same_both_ways<T: Serialize + ToJSON + JsonSize>(value: &T) {
        let body = crate::payload::body(value).expect("serializes");
        let serde: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(Some(serde), value.to_json());
        assert!(
            body.len() <= value.json_size(),
            "{} bytes written, {} reserved",
            body.len(),
            value.json_size()
        );
    }

    #[test]
    fn a_tool_result_is_never_read_as_input() {
        assert!(never_parsed(Some(json!({"tasks": []}))).is_err());
        assert!(never_parsed(None).is_err());
    }

    #[test]
    fn json_body_writes_what_json_would() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:15:30.123456Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let task = |description: Option<&str>| TaskBody {
            id: i64::MAX,
            title: "buy \"milk\" ☕\n".into(),
            description: description.map(str::to_owned),
            completed: true,
            created_at: at,
            updated_at: at,
        };
        same_both_ways(&task(None));
        same_both_ways(&vec![task(Some("2%")), task(None)]);
        let listed = |i: i64| todo_domain::Task {
            id: todo_domain::TaskId::new(i).expect("id"),
            user_id: todo_domain::UserId::parse("alice").expect("user"),
            title: format!("buy \"milk\" {i} \u{2615}"),
            description: (i % 2 == 0).then(|| "2%".to_owned()),
            completed: false,
            created_at: at,
            updated_at: at,
        };
        same_both_ways(&ChatResponse {
            conversation_id: 3,
            response: (1..=400)
                .map(|i| format!("{i}. [ ] buy \"milk\" {i} \u{2615}\n"))
                .collect(),
            tool_calls: vec![
                ToolCallBody {
                    name: "add_task".into(),
                    arguments: json!({"title": "buy \"milk\" 400 \u{2615}"}),
                    result: Any(ToolOutput::changed(&listed(i64::MAX), "created")),
                },
                ToolCallBody {
                    name: "list_tasks".into(),
                    arguments: json!({"status": "all"}),
                    result: Any(ToolOutput::Tasks(
                        (1..=400).map(listed).collect::<Vec<_>>().into(),
                    )),
                },
            ],
        });
        same_both_ways(&ChatResponse {
            conversation_id: i64::MAX,
            response: String::new(),
            tool_calls: Vec::new(),
        });
        let written = ToolOutput::Tasks((1..=400).map(listed).collect::<Vec<_>>().into());
        same_both_ways(&ChatResponse {
            conversation_id: 4,
            response: "You have 400 tasks:\n- #1 buy".into(),
            tool_calls: vec![ToolCallBody {
                name: "list_tasks".into(),
                arguments: json!({}),
                result: Any(written.into_written()),
            }],
        });
    }

    /// A chat answer's body is, byte for byte, what serde writes of it, whatever its results;
    /// a listing held as text goes into it as a piece of its own, the same allocation, not
    /// a copy.
    #[test]
    fn a_chat_answer_is_written_in_pieces_as_serde_writes_it() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:15:30.5Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let listing = |n: i64| {
            ToolOutput::Tasks(
                (1..=n)
                    .map(|i| todo_domain::Task {
                        id: todo_domain::TaskId::new(i).expect("id"),
                        user_id: todo_domain::UserId::parse("alice").expect("user"),
                        title: format!("buy \"milk\"\n{i}"),
                        description: None,
                        completed: i % 2 == 0,
                        created_at: at,
                        updated_at: at,
                    })
                    .collect::<Vec<_>>()
                    .into(),
            )
        };
        let call = |name: &str, result: ToolOutput| ToolCallBody {
            name: name.into(),
            arguments: json!({"title": "a \"b\"", "n": [1, null]}),
            result: Any(result),
        };
        let answers = [
            vec![],
            vec![call("list_tasks", listing(3).into_written())],
            vec![call("list_tasks", listing(0).into_written())],
            vec![
                call("add_task", ToolOutput::Error("no \"title\"".into())),
                call("list_tasks", listing(2)),
                call("list_tasks", listing(5).into_written()),
                call("delete_task", ToolOutput::Error("Task 9 not found".into())),
            ],
        ];
        for tool_calls in answers {
            let texts: Vec<*const u8> = tool_calls
                .iter()
                .filter_map(|c| match &c.result.0 {
                    ToolOutput::Written(text) => Some(text.get().as_ptr()),
                    _ => None,
                })
                .collect();
            let answer = ChatResponse {
                conversation_id: i64::MAX,
                response: "You have 3 tasks:\n- #1 \u{2615}".into(),
                tool_calls,
            };
            let serde = serde_json::to_vec(&answer).expect("json");
            let parts = answer.pieces().expect("pieces").into_parts();
            assert!(parts.iter().all(|p| !p.is_empty()), "no empty piece");
            assert_eq!(parts.concat(), serde, "{}", String::from_utf8_lossy(&serde));
            for text in texts {
                assert!(
                    parts.iter().any(|p| p.as_ptr() == text),
                    "a written listing is sent as it is"
                );
            }
        }
        same_both_ways(&vec![ConversationBody {
            id: i64::MAX,
            created_at: at,
            updated_at: at,
        }]);
        same_both_ways(&vec![MessageBody {
            id: i64::MAX,
            role: "assistant".into(),
            content: "ok".into(),
            created_at: at,
        }]);
    }
}
