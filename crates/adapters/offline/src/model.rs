//! [`OfflineModel`]: the [`ChatModel`] port answered by the parser and the plan.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use todo_agent::{
    ChatMessage, ChatModel, ChatModelError, ChatRequest, ChatResponse, TokenUsage, ToolCallRequest,
};
use todo_tools::ToolDefinition;

use crate::plan::{Step, plan};

/// A deterministic, local stand-in for an LLM: the same exchange always gets the same answer,
/// with no network and no key. See the crate documentation for what it understands.
///
/// `usage` is an estimate, not a tokenizer: every run of letters or digits counts as one
/// token and every other non-space character as one more. Input counts every message of the
/// request (tool calls by name and arguments, tool results as JSON text) and the tool
/// definitions offered; output counts the reply text, or each tool call's name and arguments.
#[derive(Debug, Default)]
pub struct OfflineModel {
    /// The tokens of the last tool definitions offered, and those definitions: the agent
    /// offers the same shared set every round, and counting it (five JSON schemas written out
    /// and scanned) was about a tenth of a chat that adds a task (BENCHMARKS.md, "The eighth
    /// pass"). Holding the set keeps its address from being reused by another one.
    definitions: Mutex<Option<(Arc<[ToolDefinition]>, u64)>>,
}

impl OfflineModel {
    /// The GenAI provider name.
    pub const PROVIDER: &'static str = "offline";
    /// The model name reported as requested and as answering.
    pub const MODEL: &'static str = "offline-intent-parser";

    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The input tokens of the tool definitions offered, counted once per set of them.
    fn definition_tokens(&self, tools: &Arc<[ToolDefinition]>) -> u64 {
        // A poisoned lock only means a count was being stored: counting again is as good.
        let mut cached = self
            .definitions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*cached {
            Some((set, tokens)) if Arc::ptr_eq(set, tools) => *tokens,
            _ => {
                let tokens = tools
                    .iter()
                    .map(|t| {
                        estimate_tokens(t.name)
                            + estimate_tokens(t.description)
                            + json_tokens(&t.parameters)
                    })
                    .sum::<u64>();
                *cached = Some((tools.clone(), tokens));
                tokens
            }
        }
    }

    /// One round, synchronously: what [`ChatModel::complete`] returns (it never fails).
    ///
    /// A step that needs a tool the request does not offer becomes a text answer saying so,
    /// as an LLM cannot call a tool it was not given.
    #[must_use]
    pub fn respond(&self, request: &ChatRequest) -> ChatResponse {
        let step = match plan(&request.messages) {
            Step::Call { name, .. } if !request.tools.iter().any(|t| t.name == name) => {
                Step::Reply(format!(
                    "I can't do that here: the {name} tool is not available."
                ))
            }
            step => step,
        };
        let input_tokens = request.messages.iter().map(message_tokens).sum::<u64>()
            + self.definition_tokens(&request.tools);
        match step {
            Step::Call { name, arguments } => {
                let call = ToolCallRequest {
                    id: format!("call_{}", calls_so_far(&request.messages) + 1),
                    name: name.to_owned(),
                    arguments: arguments.to_string(),
                };
                let output_tokens = estimate_tokens(&call.name) + estimate_tokens(&call.arguments);
                ChatResponse {
                    content: None,
                    tool_calls: vec![call],
                    model: Self::MODEL.to_owned(),
                    finish_reasons: vec!["tool_calls".to_owned()],
                    usage: Some(TokenUsage {
                        input_tokens,
                        output_tokens,
                    }),
                }
            }
            Step::Reply(text) => ChatResponse {
                usage: Some(TokenUsage {
                    input_tokens,
                    output_tokens: estimate_tokens(&text),
                }),
                content: Some(text),
                tool_calls: Vec::new(),
                model: Self::MODEL.to_owned(),
                finish_reasons: vec!["stop".to_owned()],
            },
        }
    }
}

#[async_trait]
impl ChatModel for OfflineModel {
    fn provider(&self) -> &str {
        Self::PROVIDER
    }

    fn model(&self) -> &str {
        Self::MODEL
    }

    /// Never fails: parsing is local and total.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ChatModelError> {
        Ok(self.respond(request))
    }
}

/// Tool calls already in the exchange, so that ids stay unique within it ("call_1", …).
fn calls_so_far(messages: &[ChatMessage]) -> usize {
    messages
        .iter()
        .map(|m| match m {
            ChatMessage::Assistant { tool_calls, .. } => tool_calls.len(),
            _ => 0,
        })
        .sum()
}

fn message_tokens(message: &ChatMessage) -> u64 {
    match message {
        ChatMessage::System(text) | ChatMessage::User(text) => estimate_tokens(text),
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => {
            content.as_deref().map_or(0, estimate_tokens)
                + tool_calls
                    .iter()
                    .map(|c| estimate_tokens(&c.name) + estimate_tokens(&c.arguments))
                    .sum::<u64>()
        }
        ChatMessage::Tool { name, result, .. } => {
            estimate_tokens(name) + json_tokens(result.as_ref())
        }
    }
}

/// [`estimate_tokens`] of a value's JSON text, counted as serde_json writes it instead of
/// building the text: a `list_tasks` result of a few hundred tasks is tens of kilobytes.
/// serde_json writes in pieces of a few bytes; they are gathered into blocks of 8 kB first,
/// which the counter goes through many bytes at a time.
fn json_tokens(value: &impl serde::Serialize) -> u64 {
    let mut blocks = Blocks {
        block: [0; BLOCK],
        len: 0,
        counter: TokenCounter::default(),
    };
    // Writing to the counter cannot fail, and what is counted here (tool results, tool
    // schemas) always serializes: maps with string keys, no failing impls.
    let _ = serde_json::to_writer(&mut blocks, value);
    blocks.count_block();
    blocks.counter.count
}

const BLOCK: usize = 8192;

/// serde_json's output gathered on the stack into blocks for a [`TokenCounter`]: no allocation
/// for the small values (tool schemas, a task's outcome) counted on every round. A piece is
/// never split between blocks; serde_json splits its output only at ASCII bytes, so each block
/// is whole UTF-8.
struct Blocks {
    block: [u8; BLOCK],
    len: usize,
    counter: TokenCounter,
}

impl Blocks {
    fn count_block(&mut self) {
        self.counter.push_bytes(&self.block[..self.len]);
        self.len = 0;
    }
}

impl std::io::Write for Blocks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.len + bytes.len() > BLOCK {
            self.count_block();
        }
        if bytes.len() > BLOCK {
            self.counter.push_bytes(bytes);
        } else {
            self.block[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An ASCII letter or digit.
#[inline]
fn ascii_word(b: u8) -> bool {
    // `|` rather than `||`: no branch, so that loops over bytes run many bytes per step.
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'0') < 10)
}

/// An ASCII space as `char::is_whitespace` has them: space and \t \n \x0b \x0c \r.
#[inline]
fn ascii_space(b: u8) -> bool {
    (b == b' ') | (b.wrapping_sub(b'\t') < 5)
}

/// Tokens begun by `text[1..]`, each byte after the one before it: a letter or digit after
/// anything else, or a character that is neither a letter, a digit nor a space. ASCII only.
fn ascii_tokens_after_first(text: &[u8]) -> u64 {
    /// Bytes counted in one step: a fixed number, so that the compiler compares them 16 at a
    /// time (over slices of any length: ~4 instructions a byte, a tenth of a 400-task listing
    /// chat's), and few, since a listing's answer breaks its ASCII runs every few lines (an em
    /// dash before each description) and a run's last bytes are counted one by one. In a
    /// stand-alone count over 66 kB (callgrind), 32 took 2.7 instructions a byte where the
    /// slices took 4.1, and as few over 100-byte runs; 128 was three times slower on those.
    const STEP: usize = 32;
    #[inline]
    fn starts(b: u8, before: u8) -> u8 {
        let word = ascii_word(b);
        u8::from(word & !ascii_word(before)) | u8::from(!word & !ascii_space(b))
    }
    let before_last = text.len().saturating_sub(1);
    let (Some(bytes), Some(before)) = (text.get(1..), text.get(..before_last)) else {
        return 0;
    };
    let mut steps = bytes.chunks_exact(STEP);
    let mut befores = before.chunks_exact(STEP);
    let mut count = 0;
    for (bytes, before) in (&mut steps).zip(&mut befores) {
        let (Ok(bytes), Ok(before)) = (
            <&[u8; STEP]>::try_from(bytes),
            <&[u8; STEP]>::try_from(before),
        ) else {
            continue; // chunks_exact: never
        };
        let mut n: u8 = 0;
        for k in 0..STEP {
            n += starts(bytes[k], before[k]);
        }
        count += u64::from(n);
    }
    let rest = steps.remainder().iter().zip(befores.remainder());
    count + rest.map(|(&b, &p)| u64::from(starts(b, p))).sum::<u64>()
}

/// How many bytes at the start of `bytes` are ASCII. Looks at 64 bytes at a time (an OR of
/// them, which the compiler does in a few vector instructions) before it looks for the byte:
/// `position` byte by byte took longer than counting the tokens (31 against 23 µs for a
/// 63 kB listing; 3 µs this way).
fn ascii_prefix(bytes: &[u8]) -> usize {
    let mut start = 0;
    for chunk in bytes.chunks(64) {
        if chunk.iter().fold(0, |all, &b| all | b) >= 0x80 {
            return start + chunk.iter().position(|b| !b.is_ascii()).unwrap_or(0);
        }
        start += chunk.len();
    }
    bytes.len()
}

/// Counts tokens over text written in pieces, carrying "inside a word" across pieces.
#[derive(Default)]
struct TokenCounter {
    count: u64,
    in_word: bool,
}

impl TokenCounter {
    /// The rule, one character at a time: what the ways of counting below are held to.
    #[cfg(test)]
    fn push(&mut self, c: char) {
        if c.is_alphanumeric() {
            if !self.in_word {
                self.count += 1;
            }
            self.in_word = true;
        } else {
            self.in_word = false;
            if !c.is_whitespace() {
                self.count += 1;
            }
        }
    }

    /// Counts every character of `text` by [`estimate_tokens`]'s rule, carrying "inside a
    /// word" on from the text before.
    fn push_str(&mut self, text: &str) {
        self.push_bytes(text.as_bytes());
    }

    /// [`push_str`](Self::push_str) for an all-ASCII `run`.
    fn push_ascii(&mut self, run: &[u8]) {
        let (Some(&first), Some(&last)) = (run.first(), run.last()) else {
            return;
        };
        let word = ascii_word(first);
        self.count += u64::from(word & !self.in_word)
            + u64::from(!word & !ascii_space(first))
            + ascii_tokens_after_first(run);
        self.in_word = ascii_word(last);
    }

    /// [`push_str`](Self::push_str) over UTF-8 bytes, without validating the ASCII runs
    /// first. Each byte that does not begin a valid character counts as one character that
    /// is neither a letter nor a space (U+FFFD); serde_json never writes such bytes.
    ///
    /// Text with other characters is counted as ASCII too: copied into a block on the stack
    /// with each such character's bytes replaced by ASCII bytes of its kind ([`stand_in`]),
    /// which count as the character does. A listing's answer has an em dash every few lines;
    /// counting it run by run, with each dash decoded and looked up in Unicode's tables
    /// (`char::is_alphanumeric`), took 15 instructions a byte where ASCII takes 3
    /// (BENCHMARKS.md, "The twenty-third pass").
    fn push_bytes(&mut self, bytes: &[u8]) {
        let mut i = ascii_prefix(bytes);
        if i == bytes.len() {
            self.push_ascii(bytes);
            return;
        }
        let mut block = [0u8; STAND_IN_BLOCK];
        let mut len = 0;
        // The last character looked up, as its bytes: a text repeats the few it has.
        let mut last: ([u8; 4], usize, u8) = ([0; 4], 0, 0);
        let mut run = &bytes[..i];
        loop {
            // The ASCII run, copied as it is (a long one counted where it lies).
            if len + run.len() > STAND_IN_BLOCK {
                self.push_ascii(&block[..len]);
                len = 0;
            }
            if run.len() > STAND_IN_BLOCK {
                self.push_ascii(run);
            } else {
                block[len..len + run.len()].copy_from_slice(run);
                len += run.len();
            }
            let Some(&lead) = bytes.get(i) else { break };
            // The character at `i`, or a stray byte.
            let width = match lead {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            let end = (i + width).min(bytes.len());
            let here = &bytes[i..end];
            let (taken, kind) = if last.1 == here.len() && last.0[..last.1] == *here {
                (last.1, last.2)
            } else {
                match std::str::from_utf8(here)
                    .ok()
                    .and_then(|s| s.chars().next())
                {
                    Some(c) => {
                        let kind = stand_in(c);
                        last.0[..here.len()].copy_from_slice(here);
                        last.1 = here.len();
                        last.2 = kind;
                        (here.len(), kind)
                    }
                    None => (1, stand_in(char::REPLACEMENT_CHARACTER)),
                }
            };
            if len + 4 > STAND_IN_BLOCK {
                self.push_ascii(&block[..len]);
                len = 0;
            }
            // A letter's bytes are all letters (one word); a space's all spaces; any other
            // character's first byte is that character and the rest are spaces.
            let rest = if kind == b'a' { b'a' } else { b' ' };
            block[len] = kind;
            block[len + 1..len + taken].fill(rest);
            len += taken;
            i += taken;
            let ascii = ascii_prefix(&bytes[i..]);
            run = &bytes[i..i + ascii];
            i += ascii;
        }
        self.push_ascii(&block[..len]);
    }
}

/// The stack block [`TokenCounter::push_bytes`] counts text with other characters in.
const STAND_IN_BLOCK: usize = 4096;

/// The ASCII byte that counts as `c` does: `a` for a letter or digit, a space for a space,
/// `-` for anything else.
fn stand_in(c: char) -> u8 {
    if c.is_alphanumeric() {
        b'a'
    } else if c.is_whitespace() {
        b' '
    } else {
        b'-'
    }
}

/// Runs of letters or digits count one each; every other non-space character counts one.
fn estimate_tokens(text: &str) -> u64 {
    let mut counter = TokenCounter::default();
    counter.push_str(text);
    counter.count
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use todo_domain::{ConversationId, UserId};
    use todo_tools::ToolDefinition;

    use super::*;

    /// Counts `text` both ways from inside or outside a word: the ASCII runs and stand-ins
    /// against the rule a character at a time.
    fn counts_as_char_by_char(text: &str, start_in_word: bool) {
        let mut slow = TokenCounter {
            count: 0,
            in_word: start_in_word,
        };
        text.chars().for_each(|c| slow.push(c));
        let mut fast = TokenCounter {
            count: 0,
            in_word: start_in_word,
        };
        fast.push_str(text);
        assert_eq!(
            (fast.count, fast.in_word),
            (slow.count, slow.in_word),
            "{} bytes from {:?}",
            text.len(),
            &text[..text.floor_char_boundary(40)]
        );
    }

    fn definitions(names: &[&'static str]) -> Vec<ToolDefinition> {
        names
            .iter()
            .map(|&name| ToolDefinition {
                name,
                description: "a tool",
                parameters: json!({}),
            })
            .collect()
    }

    fn request(messages: Vec<ChatMessage>, tools: &[&'static str]) -> ChatRequest {
        ChatRequest {
            user_id: UserId::parse("alice").expect("user"),
            conversation_id: ConversationId::new(1).expect("conversation"),
            messages,
            tools: definitions(tools).into(),
        }
    }

    const ALL: &[&str] = &[
        "add_task",
        "list_tasks",
        "complete_task",
        "update_task",
        "delete_task",
    ];

    #[test]
    fn names_itself() {
        let model = OfflineModel::new();
        assert_eq!(model.provider(), "offline");
        assert_eq!(model.model(), "offline-intent-parser");
    }

    #[test]
    fn a_tool_round_has_a_call_id_finish_reason_and_usage() {
        let response = OfflineModel::new().respond(&request(
            vec![ChatMessage::User("add a task to buy milk".into())],
            ALL,
        ));
        assert_eq!(response.content, None);
        assert_eq!(response.model, "offline-intent-parser");
        assert_eq!(response.finish_reasons, vec!["tool_calls".to_owned()]);
        assert_eq!(
            response.tool_calls,
            vec![ToolCallRequest {
                id: "call_1".into(),
                name: "add_task".into(),
                arguments: r#"{"title":"buy milk"}"#.into(),
            }]
        );
        let usage = response.usage.expect("usage");
        // "add a task to buy milk" = 6, plus 5 definitions of 3 ("add _ task") + 2 + 2.
        assert_eq!(usage.input_tokens, 6 + 5 * 7);
        // add _ task, then { " title " : " buy milk " }
        assert_eq!(usage.output_tokens, 3 + 10);
    }

    /// The definitions' tokens are counted once per set offered, and a set offered next is
    /// counted afresh: one model answering requests with different sets gives each the count
    /// a new model gives it.
    #[test]
    fn definitions_are_counted_once_per_set() {
        let message = || vec![ChatMessage::User("add a task to buy milk".into())];
        let shared = request(message(), ALL);
        let model = OfflineModel::new();
        let input = |model: &OfflineModel, request: &ChatRequest| {
            model.respond(request).usage.expect("usage").input_tokens
        };
        assert_eq!(input(&model, &shared), 6 + 5 * 7);
        assert_eq!(input(&model, &shared), 6 + 5 * 7, "the same set again");
        let mut other = request(message(), &["add_task"]);
        assert_eq!(input(&model, &other), 6 + 7);
        other.tools = vec![ToolDefinition {
            name: "add_task",
            description: "a tool that adds a task",
            parameters: json!({"type": "object", "properties": {"title": {"type": "string"}}}),
        }]
        .into();
        assert_eq!(input(&model, &other), input(&OfflineModel::new(), &other));
        // add _ task; a tool that adds a task; the schema's 29 (11 words, 18 marks).
        assert_eq!(input(&model, &other), 6 + 3 + 6 + 29);
        assert_eq!(
            input(&model, &shared),
            6 + 5 * 7,
            "the first set, counted again"
        );
    }

    #[test]
    fn call_ids_count_the_calls_already_made() {
        let messages = vec![
            ChatMessage::User("I finished buy milk".into()),
            ChatMessage::Assistant {
                content: None,
                tool_calls: vec![ToolCallRequest {
                    id: "call_1".into(),
                    name: "list_tasks".into(),
                    arguments: r#"{"status":"all"}"#.into(),
                }],
            },
            ChatMessage::Tool {
                call_id: "call_1".into(),
                name: "list_tasks".into(),
                result: crate::testing::output(
                    &json!({"tasks": [{"id": 7, "title": "buy milk", "completed": false}]}),
                )
                .into(),
            },
        ];
        let response = OfflineModel::new().respond(&request(messages, ALL));
        assert_eq!(response.tool_calls.len(), 1);
        assert_eq!(response.tool_calls[0].id, "call_2");
        assert_eq!(response.tool_calls[0].name, "complete_task");
        assert_eq!(response.tool_calls[0].arguments, r#"{"task_id":7}"#);
    }

    #[test]
    fn a_text_round_stops() {
        let response =
            OfflineModel::new().respond(&request(vec![ChatMessage::User("hello".into())], ALL));
        assert!(response.tool_calls.is_empty());
        assert_eq!(response.finish_reasons, vec!["stop".to_owned()]);
        let text = response.content.expect("text");
        assert!(text.starts_with("I manage your to-do list."));
        assert_eq!(
            response.usage.map(|u| u.output_tokens),
            Some(estimate_tokens(&text))
        );
    }

    #[test]
    fn a_tool_not_offered_is_not_called() {
        let response = OfflineModel::new().respond(&request(
            vec![ChatMessage::User("delete task 2".into())],
            &["add_task"],
        ));
        assert!(response.tool_calls.is_empty());
        assert_eq!(
            response.content.as_deref(),
            Some("I can't do that here: the delete_task tool is not available.")
        );
    }

    #[test]
    fn the_same_exchange_gets_the_same_answer() {
        let make = || request(vec![ChatMessage::User("show my pending tasks".into())], ALL);
        assert_eq!(
            OfflineModel::new().respond(&make()),
            OfflineModel::new().respond(&make())
        );
    }

    #[test]
    fn the_ascii_fast_path_counts_as_char_by_char_does() {
        let texts = [
            "add a task to buy milk 1-2",
            "{\"tasks\":[{\"id\":1,\"title\":\"x\"}]}\n",
            "tab\there\x0bvt\x0cff\rcr \u{3000}ideographic\u{a0}nbsp",
            "café ☕ naïve ² ½ ǅ 日本語 a\u{301}",
            "",
        ];
        for text in texts {
            let mut slow = TokenCounter::default();
            text.chars().for_each(|c| slow.push(c));
            let mut fast = TokenCounter::default();
            fast.push_str(text);
            assert_eq!(fast.count, slow.count, "{text:?}");
            assert_eq!(fast.in_word, slow.in_word, "{text:?}");
        }
        // Every ASCII character after every other, from inside and outside a word.
        for a in 0..128u8 {
            for b in 0..128u8 {
                let text: String = [char::from(a), char::from(b), char::from(a)]
                    .iter()
                    .collect();
                for start_in_word in [false, true] {
                    counts_as_char_by_char(&text, start_in_word);
                }
            }
        }
        // Long runs (the counter goes through 255 bytes at a time) of every ASCII character in
        // a scrambled order, with a character of more than one byte now and then.
        let mut state = 12345u32;
        let long: String = (0..5000)
            .map(|i| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                if i % 997 == 500 {
                    '\u{e9}'
                } else {
                    char::from(u8::try_from((state >> 16) % 128).expect("ascii"))
                }
            })
            .collect();
        for text in [
            &long[..],
            &long[1..],
            &long[..255],
            &long[..256],
            &long[..257],
        ] {
            let mut slow = TokenCounter::default();
            text.chars().for_each(|c| slow.push(c));
            let mut fast = TokenCounter::default();
            fast.push_str(text);
            assert_eq!((fast.count, fast.in_word), (slow.count, slow.in_word));
        }
        let mut broken = TokenCounter::default();
        broken.push_bytes(b"ab\xffcd \xe2\x98");
        assert_eq!(broken.count, 5, "ab, U+FFFD, cd, then one per stray byte");
    }

    #[test]
    fn text_with_other_characters_counts_as_char_by_char_does() {
        // A listing's answer (an em dash every third line) past the stack block, then the same
        // with letters, spaces and symbols of two, three and four bytes, next to ASCII letters
        // and to each other, and an ASCII run longer than the block.
        let mut listing = String::from("You have 600 tasks:");
        for i in 0..600 {
            listing.push_str(&format!("\n- #{i} buy milk {i} (pending)"));
            if i % 3 == 0 {
                listing.push_str(" \u{2014} from the shop");
            }
        }
        let kinds = [
            "\u{2014}",
            "\u{e9}",
            "\u{3000}",
            "\u{a0}",
            "\u{65e5}",
            "\u{2615}",
            "\u{1f95b}",
            "\u{1d7d8}",
            "\u{2028}",
            "\u{b2}",
            "a",
            "9",
            " ",
            "-",
        ];
        let mut state = 7u32;
        let mixed: String = (0..9000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                kinds[(state >> 16) as usize % kinds.len()]
            })
            .collect();
        let long_ascii = format!("\u{2014}{}\u{e9}{}", "ab ".repeat(3000), "x".repeat(5000));
        for text in [
            &listing[..],
            &mixed[..],
            &long_ascii[..],
            "\u{e9}",
            "\u{2014}a\u{2014}",
        ] {
            for start_in_word in [false, true] {
                counts_as_char_by_char(text, start_in_word);
            }
        }
        // Stray bytes between characters of the same first bytes: a cut em dash is not one.
        let mut stray = TokenCounter::default();
        stray.push_bytes(b"\xe2\x80\x94a\xe2\x80b\xe2\x80\x94");
        assert_eq!(stray.count, 6, "dash, a, two stray bytes, b, dash");
    }

    #[test]
    fn no_text_no_tokens() {
        assert_eq!(ascii_tokens_after_first(b""), 0);
        assert_eq!(ascii_tokens_after_first(b"a"), 0);
        assert_eq!(ascii_tokens_after_first(b"a,"), 1);
    }

    #[test]
    fn ascii_text_is_counted_as_character_by_character() {
        // Lengths around the counting steps (32 bytes), of letters, digits, spaces and
        // punctuation in a pseudo-random order.
        let alphabet = b"ab Z9 ,.\t\n_-{}\"q ";
        let mut seed: u64 = 0x853c_49e6_748f_ea9b;
        for len in (0..300).chain([1000, 4097]) {
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            let mut by_char = TokenCounter::default();
            for &b in &text {
                by_char.push(char::from(b));
            }
            let mut by_run = TokenCounter::default();
            by_run.push_bytes(&text);
            assert_eq!(by_run.count, by_char.count, "{len} bytes");
            assert_eq!(by_run.in_word, by_char.in_word, "{len} bytes");
        }
    }

    #[test]
    fn token_estimate() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("  buy   milk "), 2);
        assert_eq!(estimate_tokens(r#"{"a":1}"#), 7);
        assert_eq!(estimate_tokens("café ☕"), 2);
    }

    #[test]
    fn the_ascii_prefix_ends_at_the_first_other_byte() {
        for len in [0, 1, 63, 64, 65, 200] {
            let ascii = vec![b'a'; len];
            assert_eq!(ascii_prefix(&ascii), len);
            for at in 0..len {
                let mut bytes = ascii.clone();
                bytes[at] = 0xC3;
                if at + 1 < len {
                    bytes[at + 1] = 0x80;
                }
                assert_eq!(ascii_prefix(&bytes), at, "len {len}, at {at}");
            }
        }
    }

    #[test]
    fn json_tokens_count_the_json_text_without_building_it() {
        let value = json!({
            "tasks": [
                {"id": 1, "title": "café ☕ \"quoted\"\nline", "description": null, "done": true},
                {"id": 22, "title": "buy milk", "tags": ["ä", "b c", ""], "n": -1.5e3}
            ],
            "émoji 🎉": "tab\there"
        });
        assert_eq!(json_tokens(&value), estimate_tokens(&value.to_string()));
        assert_eq!(json_tokens(&json!({})), 2);
        // A listing of hundreds of tasks: tens of kilobytes, counted in blocks.
        let tasks: Vec<_> = (1..=400)
            .map(|i| {
                json!({"id": i, "title": format!("buy milk {i} \u{2615}"), "description": null,
                            "completed": i % 3 == 0, "created_at": "2026-11-29T13:41:08.742123Z"})
            })
            .collect();
        let listing = json!({ "tasks": tasks });
        assert!(listing.to_string().len() > 3 * 8192);
        assert_eq!(json_tokens(&listing), estimate_tokens(&listing.to_string()));
        // A piece longer than a block (serde_json writes a string's unescaped run at once).
        let long = json!({"description": "word, ".repeat(3000), "after": "x"});
        assert_eq!(json_tokens(&long), estimate_tokens(&long.to_string()));
    }
}
