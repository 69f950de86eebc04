//! # todo-mcp (driving adapter): see the issue; being written.
