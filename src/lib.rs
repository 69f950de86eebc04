//! # todo-chatbot: the binary's library (composition root)
//!
//! `config` (typed, layered settings) and `app` (wiring adapters to ports and serving). The
//! only crate that names concrete adapter types; `tests/` drives it as a user would.

pub mod app;
pub mod config;
