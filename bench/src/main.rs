//! `natter-bench`: Natter's load generator. It drives a server only through the
//! public API and sockets, as widgets and staff do. See BENCHMARKS.md.

mod drive;
mod procfs;
mod report;
mod run;
mod scale;
mod search;
mod suite;
mod worker;

use clap::{Parser, Subcommand};
use std::net::IpAddr;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "natter-bench",
    about = "Load generator and benchmarks for Natter"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// One scenario against a running server; prints a summary (and JSON with --json).
    Run {
        #[command(flatten)]
        scenario: run::Scenario,
        /// Print the full outcome as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Exit non-zero on errors or lost messages (never on speed): the smoke test.
        #[arg(long)]
        check: bool,
    },
    /// The standard scenarios, each on a fresh server: writes results.md, results.json and SVG plots.
    Suite(suite::Options),
    /// The data-scale benchmark: a year of a busy shop seeded in bulk, then measured.
    Scale(scale::Options),
    /// The search benchmark: 1M messages with and without the search index, then queries.
    Search(search::Options),
    /// The CI smoke test: starts a server, opens a few hundred sockets for a few
    /// seconds, fails on errors or lost messages (never on speed).
    Smoke {
        /// The server binary.
        #[arg(long, default_value = "target/release/natter")]
        natter: std::path::PathBuf,
    },
    /// Internal: a process holding visitor sockets, driven over stdin/stdout.
    Worker {
        #[arg(long)]
        url: String,
        /// Loopback address to open the sockets from.
        #[arg(long)]
        source: IpAddr,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Workers stay on one thread: thousands of mostly idle sockets need no more,
    // and the server needs the cores. The coordinator gets two for the HTTP load.
    let runtime = match &cli.command {
        Cmd::Worker { .. } => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        _ => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("natter-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Cmd::Run {
                scenario,
                json,
                check,
            } => {
                let outcome = run::run(&scenario).await?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&outcome).map_err(|e| e.to_string())?
                    );
                }
                eprintln!("{}", run::summary(&outcome));
                let faults = outcome.faults();
                if check && !faults.is_empty() {
                    return Err(format!("{} fault(s)", faults.len()));
                }
                Ok(())
            }
            Cmd::Suite(options) => suite::run(options).await,
            Cmd::Scale(options) => scale::run(options).await,
            Cmd::Search(options) => search::run(options).await,
            Cmd::Smoke { natter } => suite::smoke(natter).await,
            Cmd::Worker { url, source } => worker::run(url, source).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("natter-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
