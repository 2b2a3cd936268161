//! Server tests: the real application on a random port with a fresh database per
//! test (SQLite by default, Postgres with `NATTER_TEST_DATABASE=postgres`), driven
//! over real HTTP and WebSocket connections. One binary, one
//! module per area; new tests go in the module of their area.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod abuse;
mod api_tokens;
mod assignment;
mod attachments;
mod authorization;
mod availability;
mod backend;
mod bad_input;
mod canned;
mod continuity;
mod conversations;
mod group_commit;
mod hardening;
mod helpers;
mod idempotency;
mod identity;
mod labels;
mod layers;
mod limits;
mod mail;
mod matrix;
mod messages;
mod notes;
mod openapi;
mod origins;
mod plans;
mod privacy;
mod proxy;
mod push;
mod realtime;
#[path = "../common/receiver.rs"]
mod receiver;
mod restart;
#[path = "../common/s3.rs"]
mod s3;
mod scale_out;
mod search;
mod setup;
#[path = "../common/smtp.rs"]
mod smtp;
mod team;
mod upgrade;
mod wal;
mod webhooks;
