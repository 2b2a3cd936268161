//! Natter's server: the chat API, the WebSocket hub and the store.
//!
//! `main.rs` only parses the command line; everything else starts here, so tests
//! spawn the real application on port 0 with a fresh database. Public are only what
//! the binary, the tests and the benchmarks use: the application, its settings, the
//! token helpers and the rate type, and the store only for the tests' fixtures (the
//! `test-support` feature); the rest is the crate's.

pub mod admin;
pub mod auth;
mod bus;
mod chat;
pub mod config;
mod demo;
mod files;
mod http;
mod hub;
mod jobs;
pub mod limits;
mod mail;
mod origin;
mod outbound;
mod push;
mod retention;
mod serve;
mod setup;
pub mod startup;
mod state;
// The store is the application layer's; only the integration tests' fixtures reach it
// from outside, through the crate's own `test-support` feature.
#[cfg(feature = "test-support")]
pub mod store;
#[cfg(not(feature = "test-support"))]
mod store;
mod telemetry;
mod webhooks;
mod ws;

pub use startup::{Application, ShutdownHandle};
