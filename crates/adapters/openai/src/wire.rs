//! The chat-completions wire format: what goes out and what comes back. Private to the adapter;
//! [`todo_agent`]'s types convert to and from it here and nowhere else.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use todo_agent::{ChatMessage, ChatRequest, ChatResponse, TokenUsage, ToolCallRequest};
use todo_tools::ToolDefinition;

#[derive(Debug, Serialize)]
pub(crate) struct CompletionRequest<'a> {
    pub model: &'a str,
    pub messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<WireTool<'a>>,
    /// Only with tools: servers reject `tool_choice` without `tools`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<&'static str>,
}

impl<'a> CompletionRequest<'a> {
    pub(crate) fn new(model: &'a str, request: &'a ChatRequest) -> Self {
        let tools: Vec<WireTool<'a>> = request.tools.iter().map(WireTool::from).collect();
        let tool_choice = (!tools.is_empty()).then_some("auto");
        Self {
            model,
            messages: request.messages.iter().map(WireMessage::from).collect(),
            tools,
            tool_choice,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub(crate) enum WireMessage<'a> {
    System {
        content: &'a str,
    },
    User {
        content: &'a str,
    },
    Assistant {
        /// `null` when the model only asked for tools, as the API defines it.
        content: Option<&'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<WireToolCall<'a>>,
    },
    Tool {
        tool_call_id: &'a str,
        /// The tool's JSON result, as text: the API takes a string here.
        content: String,
    },
}

impl<'a> From<&'a ChatMessage> for WireMessage<'a> {
    fn from(message: &'a ChatMessage) -> Self {
        match message {
            ChatMessage::System(content) => Self::System { content },
            ChatMessage::User(content) => Self::User { content },
            ChatMessage::Assistant {
                content,
                tool_calls,
            } => Self::Assistant {
                content: content.as_deref(),
                tool_calls: tool_calls.iter().map(WireToolCall::from).collect(),
            },
            ChatMessage::Tool {
                call_id, result, ..
            } => Self::Tool {
                tool_call_id: call_id,
                content: result.to_string(),
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct WireToolCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireFunctionCall<'a>,
}

#[derive(Debug, Serialize)]
struct WireFunctionCall<'a> {
    name: &'a str,
    arguments: &'a str,
}

impl<'a> From<&'a ToolCallRequest> for WireToolCall<'a> {
    fn from(call: &'a ToolCallRequest) -> Self {
        Self {
            id: &call.id,
            kind: "function",
            function: WireFunctionCall {
                name: &call.name,
                arguments: &call.arguments,
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct WireTool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireFunction<'a>,
}

#[derive(Debug, Serialize)]
struct WireFunction<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a Value,
}

impl<'a> From<&'a ToolDefinition> for WireTool<'a> {
    fn from(tool: &'a ToolDefinition) -> Self {
        Self {
            kind: "function",
            function: WireFunction {
                name: tool.name,
                description: tool.description,
                parameters: &tool.parameters,
            },
        }
    }
}

/// A chat-completions answer. Lenient where compatible servers differ (missing ids, `null`
/// lists, arguments sent as an object), strict only where nothing sensible can be done.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletionResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<ResponseMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ResponseMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ResponseToolCall>>,
}

#[derive(Debug, Deserialize)]
struct ResponseToolCall {
    #[serde(default)]
    id: Option<String>,
    function: ResponseFunction,
}

#[derive(Debug, Deserialize)]
struct ResponseFunction {
    name: String,
    /// A string by the API's definition; some local servers send the object itself.
    #[serde(default)]
    arguments: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

impl CompletionResponse {
    /// The port's answer; `fallback_model` names the model when the server does not.
    ///
    /// # Errors
    /// A short reason when the answer holds no choice with a message.
    pub(crate) fn into_chat_response(self, fallback_model: &str) -> Result<ChatResponse, String> {
        let choices = self.choices.unwrap_or_default();
        let finish_reasons = choices
            .iter()
            .filter_map(|c| c.finish_reason.clone())
            .collect();
        let message = choices
            .into_iter()
            .next()
            .and_then(|c| c.message)
            .ok_or_else(|| "the answer holds no choice with a message".to_owned())?;
        let tool_calls = message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, call)| ToolCallRequest {
                id: call
                    .id
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| format!("call_{i}")),
                name: call.function.name,
                arguments: match call.function.arguments {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(raw)) => raw,
                    Some(other) => other.to_string(),
                },
            })
            .collect();
        Ok(ChatResponse {
            content: message.content,
            tool_calls,
            model: self
                .model
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| fallback_model.to_owned()),
            finish_reasons,
            usage: self.usage.map(|u| TokenUsage {
                input_tokens: u.prompt_tokens.unwrap_or(0),
                output_tokens: u.completion_tokens.unwrap_or(0),
            }),
        })
    }
}

/// The short, identifier-like part of an error body (`error.code` or `error.type`), never its
/// free text: providers echo parts of the key there (`Incorrect API key provided: sk-…`).
pub(crate) fn error_code(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?;
    ["code", "type"]
        .iter()
        .filter_map(|k| error.get(*k).and_then(Value::as_str))
        .find(|s| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        })
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<ChatResponse, String> {
        serde_json::from_value::<CompletionResponse>(v)
            .expect("shape")
            .into_chat_response("fallback")
    }

    #[test]
    fn arguments_sent_as_an_object_become_text_and_missing_ids_are_made_up() {
        let r = parse(json!({
            "choices": [{"message": {"content": null, "tool_calls": [
                {"function": {"name": "add_task", "arguments": {"title": "x"}}},
                {"id": "", "function": {"name": "list_tasks"}}
            ]}, "finish_reason": "tool_calls"}]
        }))
        .expect("ok");
        assert_eq!(r.model, "fallback");
        assert_eq!(r.usage, None);
        assert_eq!(r.tool_calls[0].id, "call_0");
        assert_eq!(r.tool_calls[0].arguments, r#"{"title":"x"}"#);
        assert_eq!(r.tool_calls[1].id, "call_1");
        assert_eq!(r.tool_calls[1].arguments, "");
        assert_eq!(r.finish_reasons, vec!["tool_calls".to_owned()]);
    }

    #[test]
    fn no_choices_is_an_error() {
        assert!(parse(json!({"choices": []})).is_err());
        assert!(parse(json!({"model": "m"})).is_err());
        assert!(parse(json!({"choices": [{"finish_reason": "stop"}]})).is_err());
    }

    #[test]
    fn error_code_keeps_identifiers_only() {
        let body = br#"{"error":{"message":"Incorrect API key provided: sk-abc***","type":"invalid_request_error","code":"invalid_api_key"}}"#;
        assert_eq!(error_code(body).as_deref(), Some("invalid_api_key"));
        let body = br#"{"error":{"message":"x","type":"rate limit: sk-123 used"}}"#;
        assert_eq!(error_code(body), None);
        assert_eq!(error_code(b"<html>bad gateway</html>"), None);
    }
}
