//! The standard scenarios, each against a fresh server on a fresh database, and
//! the published table and plots.

use crate::report::{self, Line};
use crate::run::{self, Outcome, Scenario};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The server binary.
    #[arg(long, default_value = "target/release/natter")]
    pub natter: PathBuf,
    /// Where results.md, results.json and the plots go.
    #[arg(long, default_value = "bench/results")]
    pub out: PathBuf,
    /// Smaller and shorter, to try the suite out (figures not for publishing).
    #[arg(long)]
    pub quick: bool,
    /// Run only these scenarios (comma-separated names; default all).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Postgres for the ingest comparison (a schema `natter_bench` is created and dropped).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres: String,
    /// Environment for the server, e.g. MALLOC_ARENA_MAX=2 (repeatable).
    #[arg(long = "server-env")]
    pub server_env: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) enum Db {
    SqliteNormal,
    SqliteFull,
    Postgres,
}

impl Db {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Db::SqliteNormal => "SQLite, synchronous=NORMAL",
            Db::SqliteFull => "SQLite, synchronous=FULL",
            Db::Postgres => "Postgres (fsync on)",
        }
    }
}

struct Plan {
    name: &'static str,
    db: Db,
    scenario: Scenario,
}

fn plans(quick: bool) -> Vec<Plan> {
    let base = Scenario {
        duration: 30,
        ..Scenario::default()
    };
    let (idle, steps, loaded, duration) = if quick {
        (2000, vec![500, 1000], 1000, 5)
    } else {
        // 19,500 sockets + the server's own few dozen files stay under 20,000.
        (19_500, vec![1000, 2500, 5000, 10_000, 15_000], 10_000, 30)
    };
    let idle = Scenario {
        visitors: idle,
        steps,
        idle_secs: if quick { 5 } else { 30 },
        ..base.clone()
    };
    let latency = Scenario {
        visitors: loaded,
        reply_rate: 2000.0,
        duration,
        ..base.clone()
    };
    let ingest = Scenario {
        ingest: true,
        // Enough conversations that no visitor passes the default 60 messages/min.
        ingest_convs: if quick { 1000 } else { 10_000 },
        concurrency: 64,
        duration: if quick { 5 } else { 20 },
        ..base
    };
    vec![
        Plan {
            name: "idle",
            db: Db::SqliteNormal,
            scenario: idle,
        },
        Plan {
            name: "latency-normal",
            db: Db::SqliteNormal,
            scenario: latency.clone(),
        },
        Plan {
            name: "latency-full",
            db: Db::SqliteFull,
            scenario: latency.clone(),
        },
        // The same at a quarter of the rate: where the latency target holds today.
        Plan {
            name: "latency-normal-500",
            db: Db::SqliteNormal,
            scenario: Scenario {
                reply_rate: 500.0,
                ..latency.clone()
            },
        },
        Plan {
            name: "latency-full-500",
            db: Db::SqliteFull,
            scenario: Scenario {
                reply_rate: 500.0,
                ..latency.clone()
            },
        },
        Plan {
            name: "ingest-normal",
            db: Db::SqliteNormal,
            scenario: ingest.clone(),
        },
        Plan {
            name: "ingest-full",
            db: Db::SqliteFull,
            scenario: ingest.clone(),
        },
        Plan {
            name: "ingest-postgres",
            db: Db::Postgres,
            scenario: ingest,
        },
    ]
}

pub(crate) struct Server {
    child: Child,
    pub(crate) pid: u32,
    pub(crate) url: String,
    /// From spawning the process to its first successful `/readyz`.
    pub(crate) ready_after: Duration,
}

pub(crate) const SCHEMA: &str = "natter_bench";

pub(crate) fn psql(postgres: &str, sql: &str) -> Result<(), String> {
    let out = std::process::Command::new("psql")
        .args([postgres, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "psql: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// How to start a server: the binary, extra environment, and Postgres for `Db::Postgres`.
pub(crate) struct Launch<'a> {
    pub(crate) natter: &'a Path,
    pub(crate) env: &'a [String],
    pub(crate) postgres: &'a str,
}

/// An empty `natter_bench` schema for the next Postgres server.
pub(crate) fn fresh_postgres(postgres: &str) -> Result<(), String> {
    psql(
        postgres,
        &format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA};"),
    )
}

/// The database URL a server for `db` uses, its file (if any) in `dir`.
pub(crate) fn database_url(launch: &Launch<'_>, db: Db, dir: &Path, name: &str) -> String {
    match db {
        Db::SqliteNormal | Db::SqliteFull => format!("sqlite://{}/{name}.db", dir.display()),
        Db::Postgres => format!("{}?options=-c%20search_path%3D{SCHEMA}", launch.postgres),
    }
}

/// Starts a server on `db` (Postgres: the `natter_bench` schema as it is).
pub(crate) async fn start(
    launch: &Launch<'_>,
    db: Db,
    dir: &Path,
    name: &str,
) -> Result<Server, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let database_url = database_url(launch, db, dir, name);
    let sync = match db {
        Db::SqliteNormal => "normal",
        Db::SqliteFull | Db::Postgres => "full",
    };
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{name}.log")))
        .map_err(|e| e.to_string())?;
    let mut command = Command::new(launch.natter);
    command
        .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
        .args([
            "--database-url",
            &database_url,
            "--sqlite-synchronous",
            sync,
        ])
        // The per-IP abuse limits would stop a generator that is a few loopback
        // addresses standing in for thousands of browsers; per-visitor limits stay.
        .args([
            "--rate-leads",
            "0/min",
            "--rate-messages-per-ip",
            "0/min",
            "--max-sockets-per-ip",
            "0",
            "--max-connections-per-ip",
            "0",
        ])
        .env("NATTER_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true);
    for pair in launch.env {
        if let Some((k, v)) = pair.split_once('=') {
            command.env(k, v);
        }
    }
    let spawned = std::time::Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", launch.natter.display()))?;
    let pid = child.id().ok_or("the server exited at once")?;
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..3000 {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await
            && r.status().is_success()
        {
            let ready_after = spawned.elapsed();
            return Ok(Server {
                child,
                pid,
                url,
                ready_after,
            });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err(format!(
        "the server did not get ready; see {}",
        dir.display()
    ))
}

pub(crate) async fn stop(mut server: Server) {
    // SIGTERM would be graceful, but a kill is enough between scenarios: the next
    // one starts on a fresh database.
    let _ = server.child.kill().await;
}

/// The machine, as recorded beside the figures.
pub(crate) fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kb: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let kernel = read("/proc/sys/kernel/osrelease");
    format!(
        "{cores} cores ({cpu}), {:.1} GiB, Linux {}",
        mem_kb as f64 / 1048576.0,
        kernel.trim()
    )
}

pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Serialize)]
struct Record {
    name: &'static str,
    db: Db,
    reply_rate: f64,
    /// The 1, 5 and 15 minute load averages just before the run: other work on the box.
    load_before: String,
    outcome: Option<Outcome>,
    error: Option<String>,
}

pub async fn run(options: Options) -> Result<(), String> {
    std::fs::create_dir_all(&options.out).map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("natter-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    for plan in plans(options.quick) {
        if !options.only.is_empty() && !options.only.iter().any(|o| o == plan.name) {
            continue;
        }
        let load_before = load_average();
        eprintln!(
            "\n[bench] === {} ({}), load average {load_before} ===",
            plan.name,
            plan.db.label()
        );
        let launch = Launch {
            natter: &options.natter,
            env: &options.server_env,
            postgres: &options.postgres,
        };
        let result = run_plan(&launch, &plan, &dir).await;
        if plan.db == Db::Postgres {
            let _ = psql(
                &options.postgres,
                &format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;"),
            );
        }
        match &result {
            Ok(o) => eprintln!("{}", run::summary(o)),
            Err(e) => eprintln!("[bench] {} failed: {e}", plan.name),
        }
        let (outcome, error) = match result {
            Ok(o) => (Some(o), None),
            Err(e) => (None, Some(e)),
        };
        records.push(Record {
            name: plan.name,
            db: plan.db,
            reply_rate: plan.scenario.reply_rate,
            load_before,
            outcome,
            error,
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    write(&options, &records)
}

/// One plan on a fresh server and database.
async fn run_plan(launch: &Launch<'_>, plan: &Plan, dir: &Path) -> Result<Outcome, String> {
    if plan.db == Db::Postgres {
        fresh_postgres(launch.postgres)?;
    }
    let server = start(launch, plan.db, dir, plan.name).await?;
    let scenario = Scenario {
        url: server.url.clone(),
        pid: Some(server.pid),
        ..plan.scenario.clone()
    };
    let outcome = run::run(&scenario).await;
    stop(server).await;
    outcome
}

/// The CI smoke test: a few hundred sockets for a few seconds on a fresh server.
/// Fails on errors or lost messages, never on speed.
pub async fn smoke(natter: PathBuf) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("natter-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let launch = Launch {
        natter: &natter,
        env: &[],
        postgres: "",
    };
    let server = start(&launch, Db::SqliteNormal, &dir, "smoke").await?;
    let scenario = Scenario {
        url: server.url.clone(),
        pid: Some(server.pid),
        visitors: 300,
        procs: 2,
        steps: vec![100],
        idle_secs: 1,
        reply_rate: 200.0,
        message_rate: 100.0,
        ingest: false,
        ingest_convs: 0,
        concurrency: 64,
        duration: 5,
    };
    let outcome = run::run(&scenario).await;
    stop(server).await;
    let log = std::fs::read_to_string(dir.join("smoke.log")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let outcome = outcome?;
    eprintln!("{}", run::summary(&outcome));
    let faults = outcome.faults();
    if faults.is_empty() {
        Ok(())
    } else {
        eprintln!("server log:\n{log}");
        Err(format!("smoke test: {} fault(s)", faults.len()))
    }
}

fn write(options: &Options, records: &[Record]) -> Result<(), String> {
    let out = &options.out;
    let save = |name: &str, text: String| {
        std::fs::write(out.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    let json = serde_json::json!({
        "machine": machine(),
        "server_env": options.server_env,
        "quick": options.quick,
        "scenarios": records,
    });
    save(
        "results.json",
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?,
    )?;
    let colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea"];
    // One chart per reply rate: their scales differ a hundredfold.
    for (file, rate) in [("latency.svg", 2000.0), ("latency-500.svg", 500.0)] {
        let mut lines = Vec::new();
        let runs = records
            .iter()
            .filter(|r| r.name.starts_with("latency") && r.reply_rate == rate);
        for (i, r) in runs.enumerate() {
            let Some(o) = &r.outcome else { continue };
            let mode = match r.db {
                Db::SqliteFull => "FULL",
                _ => "NORMAL",
            };
            for (j, label) in ["p50", "p99"].into_iter().enumerate() {
                lines.push(Line {
                    label: format!("{label}, {mode}"),
                    color: colors[(2 * i + j) % colors.len()],
                    points: o
                        .latency_series
                        .iter()
                        .map(|p| (p.0, if j == 0 { p.1 } else { p.2 }))
                        .collect(),
                });
            }
        }
        if !lines.is_empty() {
            let title = format!(
                "Staff reply → visitor socket at {rate:.0} replies/s, per second of the run"
            );
            save(file, report::svg(&title, "seconds", "latency (ms)", &lines))?;
        }
    }
    if let Some(o) = records
        .iter()
        .find(|r| r.name == "idle")
        .and_then(|r| r.outcome.as_ref())
    {
        let base = o.rss_steps.first().map_or(0, |s| s.1);
        let points: Vec<(f64, f64)> = o
            .rss_steps
            .iter()
            .map(|&(n, rss)| (n as f64, rss.saturating_sub(base) as f64 / 1048576.0))
            .collect();
        save(
            "rss.svg",
            report::svg(
                "Server RSS added by idle, subscribed visitor sockets",
                "open visitor sockets",
                "RSS above baseline (MiB)",
                &[Line {
                    label: "server RSS − baseline".into(),
                    color: colors[0],
                    points,
                }],
            ),
        )?;
    }
    save("results.md", table(options, records))
}

fn table(options: &Options, records: &[Record]) -> String {
    let mut md = String::new();
    md.push_str(&format!("Machine: {}.", machine()));
    if !options.server_env.is_empty() {
        md.push_str(&format!(
            " Server environment: `{}`.",
            options.server_env.join(" ")
        ));
    }
    if options.quick {
        md.push_str(" **Quick run: not for publishing.**");
    }
    md.push_str("\n\n| Scenario | Figure | Target | Measured |\n|---|---|---|---:|\n");
    let mut row = |scenario: &str, figure: &str, target: &str, value: String| {
        md.push_str(&format!("| {scenario} | {figure} | {target} | {value} |\n"));
    };
    for r in records {
        let scenario = format!("`{}` ({}; load {})", r.name, r.db.label(), r.load_before);
        let Some(o) = &r.outcome else {
            row(
                &scenario,
                "run failed",
                "",
                r.error.clone().unwrap_or_default(),
            );
            continue;
        };
        for limit in &o.limits {
            row(&scenario, "**limit hit**", "", limit.clone());
        }
        if r.name == "idle" {
            row(
                &scenario,
                "idle visitor sockets held (4 generator processes)",
                "~19,500",
                o.visitors_open.to_string(),
            );
            row(
                &scenario,
                "server RSS per idle socket",
                "≤ 8 KiB",
                o.per_socket_bytes
                    .map_or("not measured (limit hit)".into(), |b| {
                        format!("{:.2} KiB", b / 1024.0)
                    }),
            );
            row(
                &scenario,
                "… marginal, from half to all of the sockets",
                "",
                o.marginal_bytes_per_socket
                    .map_or("–".into(), |b| format!("{:.2} KiB", b / 1024.0)),
            );
            row(
                &scenario,
                "server CPU, every socket idle",
                "near zero",
                o.idle_cpu_percent
                    .map_or("–".into(), |c| format!("{c:.2}% of a core")),
            );
        }
        if let Some(l) = &o.latency {
            row(
                &scenario,
                &format!(
                    "reply → visitor socket at {:.0} replies/s, {} sockets: p50 / p90 / p99 / p99.9 / max",
                    r.reply_rate, o.visitors_open
                ),
                "p50 ≤ 2 ms, p99 ≤ 10 ms",
                format!(
                    "{:.2} / {:.2} / {:.2} / {:.2} / {:.2} ms",
                    l.p50, l.p90, l.p99, l.p999, l.max
                ),
            );
        }
        if let Some(d) = &o.replies {
            row(
                &scenario,
                "replies committed / failed / not sent on time",
                "",
                format!("{} / {} / {}", d.ok, d.failed(), d.skipped),
            );
        }
        if r.name.starts_with("ingest") {
            row(
                &scenario,
                "visitor messages committed per second (64 HTTP clients)",
                "≥ 10,000/s (SQLite)",
                o.throughput.map_or("–".into(), |t| format!("{t:.0}/s")),
            );
            if let Some(l) = &o.message_ack {
                row(
                    &scenario,
                    "message → 201: p50 / p99",
                    "",
                    format!("{:.2} / {:.2} ms", l.p50, l.p99),
                );
            }
        }
        if let Some(c) = o.load_cpu_percent {
            row(
                &scenario,
                "server CPU under load",
                "",
                format!("{c:.0}% of a core"),
            );
        }
        if let Some(c) = o.cpu_ms_per_commit {
            let (what, target) = if r.name.starts_with("ingest") {
                ("server CPU per committed visitor message", "")
            } else {
                (
                    "server CPU per committed staff reply",
                    "≤ 0.13 ms (NORMAL, 1,000/s)",
                )
            };
            row(&scenario, what, target, format!("{c:.3} ms"));
        }
        let faults = o.faults();
        row(
            &scenario,
            "errors, lost messages",
            "none",
            if faults.is_empty() {
                "none".into()
            } else {
                faults.join("; ")
            },
        );
    }
    md
}
