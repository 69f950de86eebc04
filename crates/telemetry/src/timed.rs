//! `Timed<P>`: every port, wrapped. Each call runs inside a span named and attributed as
//! CONTRACT §5 says and records `status` (and `error`) on it; the layers in `layer` turn the
//! closed span into the log line, the histograms and the summary. Nothing here measures time.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use todo_agent::{
    AgentError, AgentOutcome, AgentRunner, Chat, ChatError, ChatModel, ChatModelError, ChatOutcome,
    ChatRequest, ChatResponse,
};
use todo_conversation::{ConversationRepository, ConversationRepositoryError, Conversations};
use todo_domain::{
    Conversation, ConversationId, Message, MessageContent, NewTask, Role, Task, TaskId, TaskPatch,
    TaskRepository, TaskRepositoryError, TaskStatusFilter, UserId,
};
use todo_tools::{Tool, ToolContext, ToolDefinition, ToolError, ToolOutput};
use tracing::Span;
use tracing::field::Empty;

/// What a decorator knows besides the port it wraps.
#[derive(Debug, Clone)]
pub struct TimedOptions {
    /// `db.system.name` for repositories: `postgresql` or `sqlite`.
    pub db_system: &'static str,
    /// Put prompts, replies and tool arguments on spans (GenAI opt-in attributes).
    pub capture_content: bool,
    /// Longest captured text, in characters.
    pub capture_max_chars: usize,
}

impl Default for TimedOptions {
    fn default() -> Self {
        Self {
            db_system: crate::names::DB_SYSTEM_SQLITE,
            capture_content: false,
            capture_max_chars: 4096,
        }
    }
}

/// A port wrapped in timing: `Timed::new(adapter, options)` implements the same port.
pub struct Timed<P: ?Sized> {
    inner: Arc<P>,
    options: TimedOptions,
    /// For tools: `mcp_tool_{name}` and the tool's name, computed once.
    tool: Option<(String, &'static str)>,
}

impl<P: ?Sized> Timed<P> {
    pub fn new(inner: Arc<P>, options: TimedOptions) -> Self {
        Self {
            inner,
            options,
            tool: None,
        }
    }
}

impl Timed<dyn Tool> {
    /// A timed tool; its operation is `mcp_tool_{name}`.
    pub fn tool(inner: Arc<dyn Tool>, options: TimedOptions) -> Self {
        let name = inner.definition().name;
        Self {
            inner,
            options,
            tool: Some((format!("mcp_tool_{name}"), name)),
        }
    }
}

/// Classifies an error for `error.type`.
pub trait ErrorKind {
    fn kind(&self) -> &'static str;
}

impl ErrorKind for TaskRepositoryError {
    fn kind(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Unavailable(_) => "unavailable",
            Self::Unexpected(_) => "unexpected",
        }
    }
}

impl ErrorKind for ConversationRepositoryError {
    fn kind(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Unavailable(_) => "unavailable",
            Self::Unexpected(_) => "unexpected",
        }
    }
}

impl ErrorKind for ChatModelError {
    fn kind(&self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Upstream(_) => "upstream",
            Self::Unexpected(_) => "unexpected",
        }
    }
}

impl ErrorKind for ToolError {
    fn kind(&self) -> &'static str {
        match self {
            Self::InvalidArguments(_) => "invalid_arguments",
            Self::NotFound(_) => "not_found",
            Self::UnknownTool(_) => "unknown_tool",
            Self::Unavailable(_) => "unavailable",
            Self::Unexpected(_) => "unexpected",
        }
    }
}

impl ErrorKind for AgentError {
    fn kind(&self) -> &'static str {
        match self {
            Self::Model(e) => e.kind(),
            Self::Tool(e) => e.kind(),
        }
    }
}

impl ErrorKind for ChatError {
    fn kind(&self) -> &'static str {
        match self {
            Self::ConversationNotFound => "not_found",
            Self::Unavailable(_) => "unavailable",
            Self::ModelTimeout => "timeout",
            Self::ModelFailed(_) => "upstream",
            Self::Unexpected(_) => "unexpected",
        }
    }
}

/// A future polled inside a span, as tracing's `Instrumented`, but for one thing: a future
/// that has finished is dropped at once, inside its last poll, so that dropping the wrapper
/// does not enter the span again. `Instrumented` enters its span to drop the inner future
/// whatever its state: one more entry and exit per timed call, each a registry lookup in
/// every layer, for a drop that does nothing. A future dropped before it finished (a cancelled
/// request) is still dropped inside the span.
struct InSpan<F> {
    span: Span,
    inner: Option<F>,
}

impl<F> InSpan<F> {
    fn new(span: Span, inner: F) -> Self {
        Self {
            span,
            inner: Some(inner),
        }
    }
}

impl<F: Future + Unpin> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = &mut *self;
        let _entered = this.span.enter();
        let inner = this
            .inner
            .as_mut()
            .expect("an InSpan future polled after it completed");
        let output = std::task::ready!(std::pin::Pin::new(inner).poll(cx));
        this.inner = None;
        std::task::Poll::Ready(output)
    }
}

impl<F> Drop for InSpan<F> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            let _entered = self.span.enter();
            self.inner = None;
        }
    }
}

/// Runs `fut` inside `span` and records its outcome there.
async fn timed<T, E, F>(span: Span, fut: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>> + Unpin,
    E: Display + ErrorKind,
{
    let result = InSpan::new(span.clone(), fut).await;
    match &result {
        Ok(_) => {
            span.record("status", "success");
        }
        Err(e) => {
            span.record("status", "error");
            span.record("error", tracing::field::display(e));
            span.record("error.type", e.kind());
            span.record("otel.status_code", "ERROR");
        }
    }
    result
}

/// [`timed`] for a database call. On SQLite the call runs inside a span of its own for the
/// driver, never exported nor timed: sqlx's SQLite driver hands the current span to its
/// worker thread, which enters it while it runs the statement and leaves it after the caller
/// has the result. Were that the database span, its end would move past its parent's.
/// PostgreSQL's driver runs on the caller's task and needs no such span (one span less to
/// enter and leave on every poll).
async fn timed_db<T, E, F>(db_system: &str, span: Span, fut: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>> + Unpin,
    E: Display + ErrorKind,
{
    if db_system == crate::names::DB_SYSTEM_SQLITE {
        let driver = tracing::info_span!(parent: &span, crate::layer::DRIVER_SPAN);
        timed(span, InSpan::new(driver, fut)).await
    } else {
        timed(span, fut).await
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

macro_rules! db_span {
    ($self:ident, $user:expr, $op:literal, $sql:literal, $table:literal) => {
        tracing::info_span!(
            "db",
            otel.name = concat!($sql, " ", $table),
            otel.kind = "client",
            otel.status_code = Empty,
            operation = $op,
            db.system.name = $self.options.db_system,
            db.operation.name = $sql,
            db.collection.name = $table,
            user.id = $user,
            enduser.id = $user,
            status = Empty,
            error = Empty,
            error.type = Empty,
        )
    };
}

#[async_trait]
impl TaskRepository for Timed<dyn TaskRepository> {
    async fn insert_task(&self, user: &UserId, task: NewTask) -> Result<Task, TaskRepositoryError> {
        let span = db_span!(self, user.as_str(), "db_insert_task", "INSERT", "task");
        timed_db(
            self.options.db_system,
            span,
            self.inner.insert_task(user, task),
        )
        .await
    }

    async fn list_tasks(
        &self,
        user: &UserId,
        filter: TaskStatusFilter,
    ) -> Result<Vec<Task>, TaskRepositoryError> {
        let span = db_span!(self, user.as_str(), "db_list_tasks", "SELECT", "task");
        timed_db(
            self.options.db_system,
            span,
            self.inner.list_tasks(user, filter),
        )
        .await
    }

    async fn get_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        let span = db_span!(self, user.as_str(), "db_get_task", "SELECT", "task");
        timed_db(self.options.db_system, span, self.inner.get_task(user, id)).await
    }

    async fn update_task(
        &self,
        user: &UserId,
        id: TaskId,
        patch: TaskPatch,
    ) -> Result<Task, TaskRepositoryError> {
        let span = db_span!(self, user.as_str(), "db_update_task", "UPDATE", "task");
        timed_db(
            self.options.db_system,
            span,
            self.inner.update_task(user, id, patch),
        )
        .await
    }

    async fn set_completed(
        &self,
        user: &UserId,
        id: TaskId,
        completed: Option<bool>,
    ) -> Result<Task, TaskRepositoryError> {
        let span = db_span!(
            self,
            user.as_str(),
            "db_set_task_completed",
            "UPDATE",
            "task"
        );
        timed_db(
            self.options.db_system,
            span,
            self.inner.set_completed(user, id, completed),
        )
        .await
    }

    async fn delete_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        let span = db_span!(self, user.as_str(), "db_delete_task", "DELETE", "task");
        timed_db(
            self.options.db_system,
            span,
            self.inner.delete_task(user, id),
        )
        .await
    }

    async fn ping(&self) -> Result<(), TaskRepositoryError> {
        let span = tracing::info_span!(
            "db",
            otel.name = "SELECT",
            otel.kind = "client",
            otel.status_code = Empty,
            operation = "db_ping",
            db.system.name = self.options.db_system,
            db.operation.name = "SELECT",
            status = Empty,
            error = Empty,
            error.type = Empty,
        );
        timed_db(self.options.db_system, span, self.inner.ping()).await
    }
}

#[async_trait]
impl ConversationRepository for Timed<dyn ConversationRepository> {
    async fn insert_conversation(
        &self,
        user: &UserId,
    ) -> Result<Conversation, ConversationRepositoryError> {
        let span = db_span!(
            self,
            user.as_str(),
            "db_insert_conversation",
            "INSERT",
            "conversation"
        );
        timed_db(
            self.options.db_system,
            span,
            self.inner.insert_conversation(user),
        )
        .await
    }

    async fn insert_conversation_with_message(
        &self,
        user: &UserId,
        content: &MessageContent,
    ) -> Result<(Conversation, Message), ConversationRepositoryError> {
        let span = db_span!(
            self,
            user.as_str(),
            "db_insert_conversation_with_message",
            "INSERT",
            "conversation"
        );
        timed_db(
            self.options.db_system,
            span,
            self.inner.insert_conversation_with_message(user, content),
        )
        .await
    }

    async fn get_conversation(
        &self,
        user: &UserId,
        id: ConversationId,
    ) -> Result<Conversation, ConversationRepositoryError> {
        let span = db_span!(
            self,
            user.as_str(),
            "db_get_conversation",
            "SELECT",
            "conversation"
        );
        timed_db(
            self.options.db_system,
            span,
            self.inner.get_conversation(user, id),
        )
        .await
    }

    async fn list_conversations(
        &self,
        user: &UserId,
    ) -> Result<Vec<Conversation>, ConversationRepositoryError> {
        let span = db_span!(
            self,
            user.as_str(),
            "db_list_conversations",
            "SELECT",
            "conversation"
        );
        timed_db(
            self.options.db_system,
            span,
            self.inner.list_conversations(user),
        )
        .await
    }

    async fn insert_message(
        &self,
        user: &UserId,
        conversation: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, ConversationRepositoryError> {
        let span = db_span!(
            self,
            user.as_str(),
            "db_insert_message",
            "INSERT",
            "message"
        );
        timed_db(
            self.options.db_system,
            span,
            self.inner.insert_message(user, conversation, role, content),
        )
        .await
    }

    async fn list_messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
        max_bytes: Option<u32>,
    ) -> Result<Vec<Message>, ConversationRepositoryError> {
        let span = db_span!(self, user.as_str(), "db_list_messages", "SELECT", "message");
        timed_db(
            self.options.db_system,
            span,
            self.inner
                .list_messages(user, conversation, limit, max_bytes),
        )
        .await
    }
}

macro_rules! step_span {
    ($op:literal, $user:expr) => {
        tracing::info_span!(
            $op,
            otel.status_code = Empty,
            operation = $op,
            user.id = $user,
            enduser.id = $user,
            gen_ai.conversation.id = Empty,
            status = Empty,
            error = Empty,
            error.type = Empty,
        )
    };
}

#[async_trait]
impl Conversations for Timed<dyn Conversations> {
    async fn open(
        &self,
        user: &UserId,
        id: Option<ConversationId>,
    ) -> Result<Conversation, ConversationRepositoryError> {
        let span = match id {
            None => step_span!("create_conversation", user.as_str()),
            Some(id) => {
                let span = step_span!("load_conversation", user.as_str());
                span.record("gen_ai.conversation.id", id.to_string());
                span
            }
        };
        let result = timed(span.clone(), self.inner.open(user, id)).await;
        if let Ok(c) = &result {
            span.record("gen_ai.conversation.id", c.id.to_string());
        }
        result
    }

    /// Timed as `create_conversation`: the step that creates a chat's conversation, which
    /// now stores the user's message with it.
    async fn start(
        &self,
        user: &UserId,
        message: &MessageContent,
    ) -> Result<Conversation, ConversationRepositoryError> {
        let span = step_span!("create_conversation", user.as_str());
        let result = timed(span.clone(), self.inner.start(user, message)).await;
        if let Ok(c) = &result {
            span.record("gen_ai.conversation.id", c.id.to_string());
        }
        result
    }

    async fn history(
        &self,
        user: &UserId,
        id: ConversationId,
        limit: u32,
        max_bytes: Option<u32>,
    ) -> Result<Vec<Message>, ConversationRepositoryError> {
        let span = step_span!("fetch_conversation_history", user.as_str());
        span.record("gen_ai.conversation.id", id.to_string());
        timed(span, self.inner.history(user, id, limit, max_bytes)).await
    }

    async fn add_message(
        &self,
        user: &UserId,
        id: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, ConversationRepositoryError> {
        let span = step_span!("add_message", user.as_str());
        span.record("gen_ai.conversation.id", id.to_string());
        timed(span, self.inner.add_message(user, id, role, content)).await
    }

    async fn list(&self, user: &UserId) -> Result<Vec<Conversation>, ConversationRepositoryError> {
        let span = step_span!("list_conversations", user.as_str());
        timed(span, self.inner.list(user)).await
    }

    async fn messages(
        &self,
        user: &UserId,
        id: ConversationId,
        limit: u32,
    ) -> Result<Vec<Message>, ConversationRepositoryError> {
        let span = step_span!("get_conversation_history", user.as_str());
        span.record("gen_ai.conversation.id", id.to_string());
        timed(span, self.inner.messages(user, id, limit)).await
    }
}

#[async_trait]
impl Chat for Timed<dyn Chat> {
    async fn chat(
        &self,
        user: &UserId,
        conversation_id: Option<ConversationId>,
        message: MessageContent,
    ) -> Result<ChatOutcome, ChatError> {
        let span = step_span!("chat_endpoint", user.as_str());
        if let Some(id) = conversation_id {
            span.record("gen_ai.conversation.id", id.to_string());
        }
        let result = timed(
            span.clone(),
            self.inner.chat(user, conversation_id, message),
        )
        .await;
        if let Ok(outcome) = &result {
            span.record(
                "gen_ai.conversation.id",
                outcome.conversation_id.to_string(),
            );
        }
        result
    }
}

#[async_trait]
impl AgentRunner for Timed<dyn AgentRunner> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn run(
        &self,
        user: &UserId,
        conversation: ConversationId,
        history: Vec<Message>,
        message: &MessageContent,
    ) -> Result<AgentOutcome, AgentError> {
        let span = tracing::info_span!(
            "invoke_agent",
            otel.name = %format_args!("invoke_agent {}", self.inner.name()),
            otel.status_code = Empty,
            operation = "run_ai_agent",
            gen_ai.operation.name = crate::names::OP_INVOKE_AGENT,
            gen_ai.agent.name = self.inner.name(),
            gen_ai.conversation.id = %conversation,
            user.id = user.as_str(),
            enduser.id = user.as_str(),
            status = Empty,
            error = Empty,
            error.type = Empty,
        );
        timed(span, self.inner.run(user, conversation, history, message)).await
    }
}

#[async_trait]
impl ChatModel for Timed<dyn ChatModel> {
    fn provider(&self) -> &str {
        self.inner.provider()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ChatModelError> {
        let model = self.inner.model();
        let span = tracing::info_span!(
            "chat",
            otel.name = %format_args!("chat {model}"),
            otel.kind = "client",
            otel.status_code = Empty,
            operation = "llm_chat_completion",
            gen_ai.operation.name = crate::names::OP_CHAT,
            gen_ai.provider.name = self.inner.provider(),
            gen_ai.request.model = model,
            gen_ai.response.model = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            gen_ai.conversation.id = %request.conversation_id,
            gen_ai.input.messages = Empty,
            gen_ai.output.messages = Empty,
            user.id = request.user_id.as_str(),
            enduser.id = request.user_id.as_str(),
            status = Empty,
            error = Empty,
            error.type = Empty,
        );
        if self.options.capture_content {
            let text = format!("{:?}", request.messages);
            span.record(
                "gen_ai.input.messages",
                truncate(&text, self.options.capture_max_chars),
            );
        }
        let result = timed(span.clone(), self.inner.complete(request)).await;
        if let Ok(response) = &result {
            span.record("gen_ai.response.model", response.model.as_str());
            // A string array in the semantic conventions: a tracing field can only carry it
            // as text, so it goes to the OpenTelemetry span directly.
            crate::trace::set_attribute(
                &span,
                crate::names::GEN_AI_RESPONSE_FINISH_REASONS,
                opentelemetry::Value::Array(opentelemetry::Array::String(
                    response
                        .finish_reasons
                        .iter()
                        .map(|r| r.clone().into())
                        .collect(),
                )),
            );
            if let Some(usage) = response.usage {
                span.record(
                    "gen_ai.usage.input_tokens",
                    i64::try_from(usage.input_tokens).unwrap_or(i64::MAX),
                );
                span.record(
                    "gen_ai.usage.output_tokens",
                    i64::try_from(usage.output_tokens).unwrap_or(i64::MAX),
                );
            }
            if self.options.capture_content {
                let text = format!("{:?} {:?}", response.content, response.tool_calls);
                span.record(
                    "gen_ai.output.messages",
                    truncate(&text, self.options.capture_max_chars),
                );
            }
        }
        result
    }
}

#[async_trait]
impl Tool for Timed<dyn Tool> {
    fn definition(&self) -> ToolDefinition {
        self.inner.definition()
    }

    async fn call(&self, ctx: &ToolContext, arguments: Value) -> Result<ToolOutput, ToolError> {
        let (operation, name) = match &self.tool {
            Some((op, name)) => (op.as_str(), *name),
            None => ("mcp_tool_unknown", "unknown"),
        };
        let span = tracing::info_span!(
            "execute_tool",
            otel.name = %format_args!("execute_tool {name}"),
            otel.status_code = Empty,
            operation = operation,
            gen_ai.operation.name = crate::names::OP_EXECUTE_TOOL,
            gen_ai.tool.name = name,
            gen_ai.tool.call.id = ctx.call_id.as_deref().unwrap_or(""),
            gen_ai.conversation.id = Empty,
            gen_ai.tool.call.arguments = Empty,
            gen_ai.tool.call.result = Empty,
            user.id = ctx.user_id.as_str(),
            enduser.id = ctx.user_id.as_str(),
            status = Empty,
            error = Empty,
            error.type = Empty,
        );
        if let Some(id) = ctx.conversation_id {
            span.record("gen_ai.conversation.id", id.to_string());
        }
        if self.options.capture_content {
            let text = arguments.to_string();
            span.record(
                "gen_ai.tool.call.arguments",
                truncate(&text, self.options.capture_max_chars),
            );
        }
        let result = timed(span.clone(), self.inner.call(ctx, arguments)).await;
        if self.options.capture_content
            && let Ok(output) = &result
        {
            let text = output.to_string();
            span.record(
                "gen_ai.tool.call.result",
                truncate(&text, self.options.capture_max_chars),
            );
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts span entries; remembers which span was current when a future was dropped.
    #[derive(Clone, Default)]
    struct Entries(Arc<std::sync::atomic::AtomicUsize>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Entries {
        fn on_enter(&self, _: &tracing::span::Id, _: tracing_subscriber::layer::Context<'_, S>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// A future that is pending `pending` times, then ready; on drop it notes the name of
    /// the current span.
    struct Probe {
        pending: usize,
        dropped_in: Arc<std::sync::Mutex<Option<String>>>,
    }

    impl Future for Probe {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.pending == 0 {
                return std::task::Poll::Ready(());
            }
            self.pending -= 1;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }

    impl Drop for Probe {
        fn drop(&mut self) {
            let name = Span::current().metadata().map(|m| m.name().to_owned());
            *self.dropped_in.lock().expect("lock") = name;
        }
    }

    #[test]
    fn a_finished_future_is_dropped_inside_its_span_without_entering_it_again() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let entries = Entries::default();
        let subscriber = tracing_subscriber::Registry::default().with(entries.clone());
        let _default = tracing::subscriber::set_default(subscriber);
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);

        // Pending twice, then ready: three polls, three entries, and the drop inside the last.
        let dropped_in = Arc::new(std::sync::Mutex::new(None));
        let mut fut = InSpan::new(
            tracing::info_span!("outer"),
            Probe {
                pending: 2,
                dropped_in: dropped_in.clone(),
            },
        );
        while std::pin::Pin::new(&mut fut).poll(&mut cx).is_pending() {}
        assert_eq!(dropped_in.lock().expect("lock").as_deref(), Some("outer"));
        drop(fut);
        assert_eq!(entries.0.load(std::sync::atomic::Ordering::SeqCst), 3);

        // Dropped before it finished (a cancelled request): dropped inside the span all the same.
        let dropped_in = Arc::new(std::sync::Mutex::new(None));
        let mut fut = InSpan::new(
            tracing::info_span!("cancelled"),
            Probe {
                pending: 5,
                dropped_in: dropped_in.clone(),
            },
        );
        assert!(std::pin::Pin::new(&mut fut).poll(&mut cx).is_pending());
        assert_eq!(*dropped_in.lock().expect("lock"), None);
        drop(fut);
        assert_eq!(
            dropped_in.lock().expect("lock").as_deref(),
            Some("cancelled")
        );
        assert_eq!(entries.0.load(std::sync::atomic::Ordering::SeqCst), 5);
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("héllo", 2), "hé");
        assert_eq!(truncate("hi", 10), "hi");
    }
}
