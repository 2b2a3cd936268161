//! Natter's server: the chat API, the WebSocket hub and the store.
//!
//! `main.rs` only parses the command line; everything else starts here, so tests
//! spawn the real application on port 0 with a fresh database. Public are only what
//! the binary, the tests and the benchmarks use: the application, its settings, the
//! store (for fixtures), the token helpers and the rate type; the rest is the crate's.

pub mod admin;
pub mod auth;
mod bus;
mod chat;
pub mod config;
mod demo;
mod http;
mod hub;
pub mod limits;
mod origin;
mod retention;
mod serve;
mod setup;
pub mod startup;
mod state;
pub mod store;
mod telemetry;
mod ws;

pub use startup::{Application, ShutdownHandle};
