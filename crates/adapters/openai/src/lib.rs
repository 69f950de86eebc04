//! # todo-openai (driven adapter): see the issue; being written.
