//! Natter's server: the chat API, the WebSocket hub and the store.
//!
//! `main.rs` only parses the command line; everything else starts here, so tests
//! spawn the real application on port 0 with a fresh database.

pub mod admin;
pub mod auth;
pub mod bus;
pub mod chat;
pub mod config;
pub mod demo;
pub mod http;
pub mod hub;
pub mod limits;
pub mod origin;
pub mod retention;
pub mod serve;
pub mod setup;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod ws;

pub use startup::{Application, ShutdownHandle};
