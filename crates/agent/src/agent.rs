use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Map, Value};
use todo_domain::{ConversationId, Message, MessageContent, Role, UserId};
use todo_tools::{ToolContext, ToolError, ToolOutput, ToolSet, error_result};
use tracing::Instrument;

use crate::model::{ChatMessage, ChatModel, ChatModelError, ChatRequest, ToolCallRequest};

/// How the agent behaves.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Sent first in every exchange.
    pub system_prompt: String,
    /// Model calls per chat before the agent gives up on getting a text answer.
    pub max_rounds: u32,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            system_prompt: "You are a helpful assistant that manages this user's to-do list. \
                            Use the tools to add, list, complete, update and delete tasks, and \
                            confirm briefly what you did."
                .to_owned(),
            max_rounds: 5,
        }
    }
}

/// One tool call the agent made, as the chat endpoint reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCallRecord {
    pub name: String,
    pub arguments: Value,
    pub result: ToolOutput,
}

/// A [`ToolCallRecord`] while the run goes on: its result is shared with the messages the
/// model sees.
struct Record {
    name: String,
    arguments: Value,
    result: Arc<ToolOutput>,
}

/// The records of a run, once nothing else holds their results (the messages are gone), so
/// that no result is copied. From here on a result is only written out: a listing keeps its
/// JSON text and drops its tasks ([`ToolOutput::into_written`]).
fn finish(records: Vec<Record>) -> Vec<ToolCallRecord> {
    records
        .into_iter()
        .map(|r| ToolCallRecord {
            name: r.name,
            arguments: r.arguments,
            result: Arc::unwrap_or_clone(r.result).into_written(),
        })
        .collect()
}

/// What a run produced: the reply and every tool call made, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentOutcome {
    pub response: String,
    pub tool_calls: Vec<ToolCallRecord>,
}

/// Why a run failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Model(#[from] ChatModelError),
    /// A tool failed in a way the model cannot act on (the store is down).
    #[error(transparent)]
    Tool(#[from] ToolError),
}

/// Runs the agent for one chat turn. A trait so that the composition root can time the run
/// (`run_ai_agent`, the `invoke_agent` span) around it.
#[async_trait]
pub trait AgentRunner: Send + Sync {
    /// The agent's name, as traces show it.
    fn name(&self) -> &str;

    /// Runs the agent on `history` (oldest first, not holding `message`) and `message`.
    /// `history` is handed over: its texts become the model's messages without a copy (50
    /// messages of history can hold hundreds of kilobytes of earlier task listings).
    ///
    /// # Errors
    /// [`AgentError::Model`] when the model fails or times out, [`AgentError::Tool`] when a
    /// tool fails for a reason the model cannot act on.
    async fn run(
        &self,
        user: &UserId,
        conversation: ConversationId,
        history: Vec<Message>,
        message: &MessageContent,
    ) -> Result<AgentOutcome, AgentError>;
}

/// The loop: ask the model, run the tools it asks for, feed the results back, until it
/// answers in text or the round limit is reached.
#[derive(Clone)]
pub struct Agent {
    model: Arc<dyn ChatModel>,
    tools: ToolSet,
    config: AgentConfig,
}

impl Agent {
    #[must_use]
    pub fn new(model: Arc<dyn ChatModel>, tools: ToolSet, config: AgentConfig) -> Self {
        Self {
            model,
            tools,
            config,
        }
    }

    #[must_use]
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }
}

#[async_trait]
impl AgentRunner for Agent {
    fn name(&self) -> &str {
        "todo-agent"
    }

    async fn run(
        &self,
        user: &UserId,
        conversation: ConversationId,
        history: Vec<Message>,
        message: &MessageContent,
    ) -> Result<AgentOutcome, AgentError> {
        let (mut messages, tools) = {
            let _span = tracing::info_span!(
                "agent_initialization",
                operation = "agent_initialization",
                user.id = user.as_str(),
                enduser.id = user.as_str(),
                gen_ai.conversation.id = %conversation,
            )
            .entered();
            let mut messages = Vec::with_capacity(history.len() + 2);
            messages.push(ChatMessage::System(self.config.system_prompt.clone()));
            messages.extend(history.into_iter().map(|m| match m.role {
                Role::User => ChatMessage::User(m.content.into_inner()),
                Role::Assistant => ChatMessage::Assistant {
                    content: Some(m.content.into_inner()),
                    tool_calls: Vec::new(),
                },
            }));
            messages.push(ChatMessage::User(message.as_str().to_owned()));
            (messages, self.tools.definitions())
        };

        let execution = tracing::info_span!(
            "agent_execution",
            operation = "agent_execution",
            user.id = user.as_str(),
            enduser.id = user.as_str(),
            gen_ai.conversation.id = %conversation,
        );
        async {
            let mut records = Vec::new();
            for _round in 0..self.config.max_rounds {
                let request = ChatRequest {
                    user_id: user.clone(),
                    conversation_id: conversation,
                    messages,
                    tools: tools.clone(),
                };
                let response = self.model.complete(&request).await?;
                messages = request.messages;
                if response.tool_calls.is_empty() {
                    messages.clear();
                    return Ok(AgentOutcome {
                        response: response.content.unwrap_or_default(),
                        tool_calls: finish(records),
                    });
                }
                let calls = response.tool_calls;
                messages.push(ChatMessage::Assistant {
                    content: response.content,
                    tool_calls: calls.clone(),
                });
                let span = tracing::info_span!(
                    "agent_tool_calls",
                    operation = "agent_tool_calls",
                    user.id = user.as_str(),
                    enduser.id = user.as_str(),
                    gen_ai.conversation.id = %conversation,
                );
                self.run_tools(user, conversation, calls, &mut messages, &mut records)
                    .instrument(span)
                    .await?;
            }
            messages.clear();
            Ok(AgentOutcome {
                response: format!(
                    "I stopped after {} rounds of tool calls without finishing. {}",
                    self.config.max_rounds,
                    summarize(&records)
                ),
                tool_calls: finish(records),
            })
        }
        .instrument(execution)
        .await
    }
}

impl Agent {
    async fn run_tools(
        &self,
        user: &UserId,
        conversation: ConversationId,
        calls: Vec<ToolCallRequest>,
        messages: &mut Vec<ChatMessage>,
        records: &mut Vec<Record>,
    ) -> Result<(), ToolError> {
        for call in calls {
            let (arguments, result) = match parse_arguments(&call.arguments) {
                Ok(arguments) => {
                    let ctx = ToolContext {
                        user_id: user.clone(),
                        conversation_id: Some(conversation),
                        call_id: Some(call.id.clone()),
                    };
                    let result = self
                        .tools
                        .dispatch(&ctx, &call.name, arguments.clone())
                        .await?;
                    (arguments, result)
                }
                Err(message) => (Value::Object(Map::new()), error_result(&message)),
            };
            // One value for both: the model sees it in the next rounds, the record is
            // returned once the run ends and the messages are gone.
            let result = Arc::new(result);
            messages.push(ChatMessage::Tool {
                call_id: call.id,
                name: call.name.clone(),
                result: result.clone(),
            });
            records.push(Record {
                name: call.name,
                arguments,
                result,
            });
        }
        Ok(())
    }
}

/// A model's arguments text as a JSON object; empty text means no arguments.
fn parse_arguments(raw: &str) -> Result<Value, String> {
    if raw.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err("arguments must be a JSON object".to_owned()),
        Err(e) => Err(format!("arguments are not valid JSON: {e}")),
    }
}

fn summarize(records: &[Record]) -> String {
    let failed = records
        .iter()
        .filter(|r| r.result.error().is_some())
        .count();
    format!(
        "I made {} tool call(s), {} of which failed.",
        records.len(),
        failed
    )
}
