//! The OpenAI-compatible adapter against a scripted chat-completions server (a real HTTP
//! server on a free port): the adapter alone (`wire`), then under the real agent loop and chat
//! use case with in-memory repositories (`chat`).

mod chat;
mod support;
mod wire;
