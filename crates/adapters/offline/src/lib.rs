//! # todo-offline: the deterministic local model (adapter layer)
//!
//! An adapter implementing the agent's [`todo_agent::ChatModel`] port without a network or a
//! key: [`OfflineModel`] parses plain commands ("add a task to buy milk", "show my pending
//! tasks", "mark task 3 as done", "rename task 1 to call mom", "delete task 2") into the same
//! tool calls an LLM would make, round after round, and answers in text from the tools'
//! results. It may depend on `todo-domain`, `todo-tools`, `todo-agent`, `serde` and
//! `serde_json` (plus `async-trait` for the port, and `itoa`, serde_json's own integer writer,
//! for the listing reply), never on another adapter.
//!
//! # What it understands
//!
//! Case does not matter, nor politeness ("please", "can you", "thanks") or trailing
//! punctuation. Quotes (straight or curly) delimit a title that holds keywords.
//!
//! - add: "add a task to buy milk", "remind me to call mom", "new task buy milk",
//!   "add 'pay rent' with description 'before the 5th'";
//! - list: "show my tasks", "what's pending", "list completed tasks", "what do I have to do";
//! - complete: "mark task 3 as done", "complete #3", "task 3 is done", "I finished buy milk";
//! - update: "rename task 1 to call dad", "change the description of task 2 to bring ID",
//!   "update task 2 title to X", "clear the description of task 2";
//! - delete: "delete task 2", "delete #2", "remove buy milk".
//!
//! A task named by title takes two rounds, as with an LLM: `list_tasks`, then the action on
//! the one task whose title matches (case-insensitively: exactly, else as a unique part); an
//! ambiguous or unknown title gets a question back instead. Anything else gets a short help
//! text, with no tool call.
//!
//! ```
//! use todo_offline::{Intent, TaskRef, parse};
//!
//! assert_eq!(parse("Please mark task 3 as done!"), Intent::Complete { task: TaskRef::Id(3) });
//! assert_eq!(
//!     parse("I finished buy milk"),
//!     Intent::Complete { task: TaskRef::Title("buy milk".into()) }
//! );
//! ```
//!
//! # Layout
//! - `text`: keyword matching and politeness stripping over plain strings;
//! - `intent`: the [`Intent`] a message asks for and the pure [`parse`] function;
//! - `plan`: the state machine that picks the next step (a tool call or a text answer) from
//!   the exchange so far;
//! - `reply`: the text answers;
//! - `model`: [`OfflineModel`], the port implementation.

mod intent;
mod model;
mod plan;
mod reply;
#[cfg(test)]
mod testing;
mod text;

pub use intent::{Intent, TaskChanges, TaskRef, parse};
pub use model::OfflineModel;
