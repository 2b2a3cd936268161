//! Server tests: the real application on a random port with a fresh SQLite file
//! per test, driven over real HTTP and WebSocket connections. One binary, one
//! module per area; new tests go in the module of their area.

mod authorization;
mod bad_input;
mod conversations;
mod helpers;
mod idempotency;
mod messages;
mod realtime;
mod restart;
