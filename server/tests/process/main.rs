//! Tests that run the real `natter` binary as a process: killed with SIGKILL,
//! restarted, and its logs read. Separate from `tests/api`, which runs the
//! application in-process.

mod crash;
mod logs;
mod server;
