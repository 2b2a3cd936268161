//! Tests that run the real `natter` binary as a process: killed with SIGKILL,
//! restarted, and its logs read. Separate from `tests/api`, which runs the
//! application in-process.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod admin;
mod assets;
mod backup;
mod crash;
mod email;
mod login_flood;
mod logs;
#[path = "../common/receiver.rs"]
mod receiver;
mod server;
#[path = "../common/smtp.rs"]
mod smtp;
mod webhooks;
