//! The data-scale benchmark: a year of a busy shop (by default 1,000,000
//! conversations and ~10,000,000 messages over 20 website accounts, one
//! conversation 100,000 messages long), seeded in bulk with SQL rather than
//! through the API, then measured with that data present: inbox list pages (the
//! first and the 100th), conversation detail, history pages both ways, lead
//! creation, staff-reply latency, ingest, database size per message, start-up
//! time, the query plans, and the SQLite WAL over a sustained write.

use crate::report::{self, Latency};
use crate::run::{self, Outcome, Scenario};
use crate::suite::{self, Db, Launch};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The server binary.
    #[arg(long, default_value = "target/release/natter")]
    pub natter: PathBuf,
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// Conversations seeded, one visitor each.
    #[arg(long, default_value_t = 1_000_000)]
    pub conversations: u64,
    /// Messages in each conversation but the long one.
    #[arg(long, default_value_t = 10)]
    pub messages_per_conversation: u64,
    /// Messages in the one long conversation whose history is paged.
    #[arg(long, default_value_t = 100_000)]
    pub long_conversation: u64,
    /// Website accounts the conversations are spread over (all in the demo org).
    #[arg(long, default_value_t = 20)]
    pub accounts: u64,
    /// Requests per read figure.
    #[arg(long, default_value_t = 300)]
    pub samples: usize,
    /// Visitor sockets and staff replies per second for the reply-latency figure.
    #[arg(long, default_value_t = 10_000)]
    pub visitors: usize,
    #[arg(long, default_value_t = 2000.0)]
    pub reply_rate: f64,
    /// Seconds of each latency and ingest drive.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Seconds of sustained ingest while the WAL's size is watched (SQLite; 0 skips).
    #[arg(long, default_value_t = 600)]
    pub wal_secs: u64,
    /// Also measure reply latency and ingest on an empty database, for comparison.
    #[arg(long)]
    pub compare_empty: bool,
    /// This run's name in the output files, e.g. `before` or `after`.
    #[arg(long, default_value = "after")]
    pub label: String,
    /// Where scale-<backend>-<label>.{json,md} go.
    #[arg(long, default_value = "bench/results")]
    pub out: PathBuf,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres: String,
    /// Folder for the SQLite database (it takes a few GB); default a temporary one.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The WAL over a sustained write and after it.
#[derive(Debug, Default, Serialize)]
struct WalFigures {
    seconds: u64,
    messages_per_sec: Option<f64>,
    max_bytes: u64,
    /// (second, bytes) once a second.
    series: Vec<(u64, u64)>,
    /// Seconds after the writes stopped until the WAL was ≤ 4 MiB (None: not within 60 s).
    idle_secs_to_4mib: Option<f64>,
    errors: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
struct Figures {
    label: String,
    backend: Option<Backend>,
    machine: String,
    conversations: u64,
    messages: u64,
    seed_secs: f64,
    db_bytes: u64,
    bytes_per_message: f64,
    startup_ms: f64,
    list_first: Latency,
    list_first_open: Latency,
    list_walk_100_pages: Latency,
    list_page_100: Latency,
    list_page_100_open: Latency,
    detail: Latency,
    history_back: Latency,
    history_forward: Latency,
    lead: Latency,
    reply: Option<Outcome>,
    ingest: Option<Outcome>,
    empty_reply: Option<Outcome>,
    empty_ingest: Option<Outcome>,
    wal: Option<WalFigures>,
    plans: String,
}

const YEAR_MS: u64 = 365 * 24 * 3600 * 1000;
/// When the seeded year starts.
const T0: u64 = 1_700_000_000_000;

/// Milliseconds between two seeded conversations' creation.
fn step(o: &Options) -> u64 {
    YEAR_MS / o.conversations.max(1)
}

/// The seeded conversation ids, shaped as the server makes them (a UUIDv7, ordered
/// by creation time: `store::new_id`), the conversation's number as the random tail.
fn conv_id(o: &Options, i: u64) -> String {
    let ms = T0 + i * step(o);
    format!("{:08x}-{:04x}-7000-8000-{i:012}", ms >> 16, ms & 0xffff)
}

/// The seed, as SQL for either backend. Conversation `i` (0 is the long one)
/// belongs to visitor `i` and account `i % accounts`; one in ten is open with one
/// unread message; a conversation's messages are a minute apart and stored
/// together, as a chat's are.
fn seed_sql(o: &Options) -> String {
    let t0 = T0;
    let (c, m, big, a) = (
        o.conversations,
        o.messages_per_conversation,
        o.long_conversation,
        o.accounts,
    );
    let step = step(o);
    let pg = o.backend == Backend::Postgres;
    // The few expressions that differ between the dialects.
    let series = |name: &str, n: u64| {
        if pg {
            format!("generate_series(0, {n} - 1) AS g({name})")
        } else {
            format!(
                "(WITH RECURSIVE s({name}) AS (SELECT 0 UNION ALL SELECT {name} + 1 FROM s WHERE {name} < {n} - 1) SELECT {name} FROM s)"
            )
        }
    };
    let fmt = |pattern: &str, expr: &str| {
        if pg {
            // Only the zero-padded decimal patterns below are used.
            let width: usize = pattern
                .split('%')
                .nth(1)
                .and_then(|p| p.trim_end_matches('d').trim_start_matches('0').parse().ok())
                .unwrap_or(0);
            let prefix = pattern.split('%').next().unwrap_or("");
            format!("'{prefix}' || lpad(CAST({expr} AS TEXT), {width}, '0')")
        } else {
            format!("printf('{pattern}', {expr})")
        }
    };
    let conv = |i: &str| {
        let ms = format!("({t0} + CAST({i} AS BIGINT) * {step})");
        if pg {
            format!(
                "lpad(to_hex({ms} >> 16), 8, '0') || '-' || lpad(to_hex({ms} & 65535), 4, '0') || '-7000-8000-' || lpad(CAST({i} AS TEXT), 12, '0')"
            )
        } else {
            format!("printf('%08x-%04x-7000-8000-%012d', {ms} >> 16, {ms} & 65535, {i})")
        }
    };
    let account = |i: &str| {
        format!(
            "CASE WHEN {i} % {a} = 0 THEN 'demo' ELSE {} END",
            fmt("shop-%02d", &format!("{i} % {a}"))
        )
    };
    let last = |i: &str| format!("(CASE WHEN {i} = 0 THEN {big} ELSE {m} END)");
    let message = |i: &str, s: &str, id: &str| {
        format!(
            "SELECT {id}, {conv}, {s}, CASE WHEN {s} % 2 = 1 THEN 'in' ELSE 'out' END, \
             CASE WHEN {s} % 2 = 1 THEN 'visitor' ELSE 'staff' END, \
             CASE WHEN {s} % 2 = 1 THEN {visitor} ELSE (SELECT id FROM staff WHERE email = 'demo@example.com') END, \
             CASE WHEN {s} % 2 = 1 THEN 'Visitor ' || CAST({i} AS TEXT) ELSE 'Demo Agent' END, \
             'Message ' || CAST({s} AS TEXT) || ' of conversation ' || CAST({i} AS TEXT) || ': is the blue one still in stock in size M?', \
             'k' || CAST({s} AS TEXT), {t0} + CAST({i} AS BIGINT) * {step} + CAST({s} AS BIGINT) * 60000",
            conv = conv(i),
            visitor = fmt("v%08d", i),
        )
    };
    let mut sql = String::new();
    if pg {
        sql.push_str("SET synchronous_commit = off;\nBEGIN;\n");
    } else {
        sql.push_str(
            "PRAGMA synchronous = OFF;\nPRAGMA cache_size = -1000000;\nPRAGMA foreign_keys = OFF;\nBEGIN;\n",
        );
    }
    sql.push_str(&format!(
        "INSERT INTO accounts (org_id, id, name, greeting, theme_color, allowed_origins, created_at) \
         SELECT 'demo', {id}, 'Shop ' || CAST(i AS TEXT), 'Hi!', '#4f46e5', 'http://localhost:*', {t0} FROM {src} WHERE i > 0;\n",
        id = fmt("shop-%02d", "i"),
        src = series("i", a),
    ));
    sql.push_str(&format!(
        "INSERT INTO visitors (id, org_id, account_id, token_hash, name, email, phone, page_url, user_agent, created_at) \
         SELECT {id}, 'demo', {account}, {token}, 'Visitor ' || CAST(i AS TEXT), 'visitor' || CAST(i AS TEXT) || '@example.com', NULL, \
         'https://shop.example/products/42', 'Mozilla/5.0 (bench)', {t0} + CAST(i AS BIGINT) * {step} FROM {src};\n",
        id = fmt("v%08d", "i"),
        account = account("i"),
        token = fmt("seed-%08d", "i"),
        src = series("i", c),
    ));
    sql.push_str(&format!(
        "INSERT INTO conversations (id, org_id, account_id, visitor_id, status, assignee_id, last_seq, \
         visitor_read_seq, staff_read_seq, created_at, last_activity_at) \
         SELECT {conv}, 'demo', {account}, {visitor}, CASE WHEN i % 10 = 0 THEN 'open' ELSE 'resolved' END, NULL, \
         {last}, {last}, CASE WHEN i % 10 = 0 THEN {last} - 1 ELSE {last} END, \
         {t0} + CAST(i AS BIGINT) * {step}, {t0} + CAST(i AS BIGINT) * {step} + CAST({last} AS BIGINT) * 60000 FROM {src};\n",
        conv = conv("i"),
        account = account("i"),
        visitor = fmt("v%08d", "i"),
        last = last("i"),
        src = series("i", c),
    ));
    let columns = "INSERT INTO messages (id, conv_id, seq, direction, sender_kind, sender_id, \
                   sender_name, text, client_msg_id, created_at) ";
    // The long conversation, then every other one, ten messages each.
    sql.push_str(&format!(
        "{columns}{} FROM {};\n",
        message("0", "(k + 1)", &fmt("l%09d", "k")),
        series("k", big),
    ));
    sql.push_str(&format!(
        "{columns}{} FROM {};\n",
        message(
            &format!("(k / {m} + 1)"),
            &format!("(k % {m} + 1)"),
            &fmt("m%010d", "k")
        ),
        series("k", c.saturating_sub(1) * m),
    ));
    sql.push_str("COMMIT;\n");
    if pg {
        sql.push_str("VACUUM ANALYZE;\n");
    } else {
        sql.push_str("PRAGMA wal_checkpoint(TRUNCATE);\n");
    }
    sql
}

fn say(message: &str) {
    eprintln!("[scale] {message}");
}

/// Runs the seed through the backend's own client (`sqlite3` or `psql`).
fn seed(o: &Options, database: &str) -> Result<(), String> {
    run_sql(o.backend, database, &seed_sql(o)).map(drop)
}

/// Runs SQL through the backend's own client (`sqlite3` or `psql`); how long it took.
pub(crate) fn run_sql(backend: Backend, target: &str, sql: &str) -> Result<Duration, String> {
    let mut command = match backend {
        Backend::Sqlite => {
            let mut c = std::process::Command::new("sqlite3");
            c.args(["-bail", target.trim_start_matches("sqlite://")]);
            c
        }
        Backend::Postgres => {
            let mut c = std::process::Command::new("psql");
            c.args([target, "-v", "ON_ERROR_STOP=1", "-q"]);
            c
        }
    };
    use std::io::Write;
    let started = Instant::now();
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run the database client: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(sql.as_bytes())
        .map_err(|e| e.to_string())?;
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(started.elapsed())
    } else {
        Err(format!("the SQL failed ({status})"))
    }
}

/// A small xorshift: repeatable request targets without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// GETs `url` as staff; the time to the whole body in µs, and the body.
async fn get(http: &reqwest::Client, url: &str, token: &str) -> Result<(u32, Value), String> {
    let started = Instant::now();
    let response = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    let us = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
    if !status.is_success() {
        return Err(format!("{url}: {status}"));
    }
    Ok((
        us,
        serde_json::from_slice(&body).map_err(|e| e.to_string())?,
    ))
}

/// A figure stops sampling after this long (with at least [`MIN_SAMPLES`]), so a
/// build whose queries take seconds still finishes.
const SAMPLING_BUDGET: Duration = Duration::from_secs(30);
const MIN_SAMPLES: usize = 5;

/// Times up to `samples` GETs of `url`.
async fn sample(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    samples: usize,
) -> Result<Latency, String> {
    let started = Instant::now();
    let mut us = Vec::with_capacity(samples);
    while us.len() < samples && (us.len() < MIN_SAMPLES || started.elapsed() < SAMPLING_BUDGET) {
        us.push(get(http, url, token).await?.0);
    }
    Ok(report::latency(us))
}

/// The cursor that asks for page 100 of 50 (the 99th page's last row), read
/// from the database directly so that a slow build need not walk there.
fn page_100_cursor(o: &Options, database: &str, status: Option<&str>) -> Result<String, String> {
    let filter = status.map_or(String::new(), |s| format!("AND status = '{s}'"));
    let sql = format!(
        "SELECT CAST(last_activity_at AS TEXT) || '_' || id FROM conversations \
         WHERE org_id = 'demo' {filter} ORDER BY last_activity_at DESC, id DESC LIMIT 1 OFFSET 4949;"
    );
    let out = match o.backend {
        Backend::Sqlite => std::process::Command::new("sqlite3")
            .args([database.trim_start_matches("sqlite://"), &sql])
            .output(),
        Backend::Postgres => std::process::Command::new("psql")
            .args([database, "-tA", "-c", &sql])
            .output(),
    }
    .map_err(|e| e.to_string())?;
    let cursor = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if cursor.is_empty() {
        return Err("fewer than 100 pages of conversations".into());
    }
    Ok(cursor)
}

/// Walks the inbox list through its first 99 pages (within the sampling budget),
/// timing each page.
async fn walk(http: &reqwest::Client, base: &str, token: &str) -> Result<Vec<u32>, String> {
    let started = Instant::now();
    let mut url = format!("{base}/api/v1/conversations?limit=50");
    let mut times = Vec::new();
    while times.len() < 99 && (times.len() < MIN_SAMPLES || started.elapsed() < SAMPLING_BUDGET) {
        let (us, page) = get(http, &url, token).await?;
        times.push(us);
        let cursor = page["next_cursor"]
            .as_str()
            .ok_or("fewer than 100 pages of conversations")?;
        url = format!("{base}/api/v1/conversations?limit=50&cursor={cursor}");
    }
    Ok(times)
}

fn db_bytes(o: &Options, database: &str) -> u64 {
    match o.backend {
        Backend::Sqlite => {
            let file = database.trim_start_matches("sqlite://");
            ["", "-wal"]
                .iter()
                .map(|s| std::fs::metadata(format!("{file}{s}")).map_or(0, |m| m.len()))
                .sum()
        }
        Backend::Postgres => std::process::Command::new("psql")
            .args([
                &o.postgres,
                "-tA",
                "-c",
                &format!(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = '{}' AND c.relkind = 'r'",
                    suite::SCHEMA
                ),
            ])
            .output()
            .ok()
            .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
            .unwrap_or(0),
    }
}

fn explain(o: &Options, database: &str) -> String {
    let out = std::process::Command::new(&o.natter)
        .args(["admin", "--database-url", database, "explain"])
        .output();
    match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => "not available (`natter admin explain` is missing or failed)".into(),
    }
}

/// Ingest for `o.wal_secs` while the WAL file is sampled every second, then how
/// long it takes to shrink once the writes stop.
async fn watch_wal(o: &Options, url: &str, pid: u32, database: &str) -> WalFigures {
    let wal = PathBuf::from(format!("{}-wal", database.trim_start_matches("sqlite://")));
    let size = |wal: &Path| std::fs::metadata(wal).map_or(0, |m| m.len());
    let scenario = ingest(url, pid, o.wal_secs);
    let writing = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (wal, writing) = (wal.clone(), writing.clone());
        tokio::spawn(async move {
            let mut series = Vec::new();
            let started = Instant::now();
            while writing.load(Ordering::Relaxed) {
                series.push((started.elapsed().as_secs(), size(&wal)));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            series
        })
    };
    let outcome = run::run(&scenario).await;
    writing.store(false, Ordering::Relaxed);
    let series = sampler.await.unwrap_or_default();
    let stopped = Instant::now();
    let mut idle = None;
    while stopped.elapsed() < Duration::from_secs(60) {
        if size(&wal) <= 4 << 20 {
            idle = Some(stopped.elapsed().as_secs_f64());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (rate, errors) = match outcome {
        Ok(o) => (o.throughput, o.faults()),
        Err(e) => (None, vec![e]),
    };
    WalFigures {
        seconds: o.wal_secs,
        messages_per_sec: rate,
        max_bytes: series.iter().map(|s| s.1).max().unwrap_or(0),
        series,
        idle_secs_to_4mib: idle,
        errors,
    }
}

fn ingest(url: &str, pid: u32, secs: u64) -> Scenario {
    Scenario {
        url: url.to_owned(),
        pid: Some(pid),
        ingest: true,
        ingest_convs: 10_000,
        concurrency: 64,
        duration: secs,
        ..Scenario::default()
    }
}

fn latency(o: &Options, url: &str, pid: u32) -> Scenario {
    Scenario {
        visitors: o.visitors,
        reply_rate: o.reply_rate,
        ingest: false,
        duration: o.duration,
        ..ingest(url, pid, o.duration)
    }
}

/// Reply latency then ingest, each on the server at `url`.
async fn drives(o: &Options, url: &str, pid: u32) -> (Option<Outcome>, Option<Outcome>) {
    say("reply latency");
    let reply = run::run(&latency(o, url, pid)).await;
    say("ingest");
    let ingest = run::run(&ingest(url, pid, o.duration)).await;
    let keep = |r: Result<Outcome, String>| match r {
        Ok(o) => Some(o),
        Err(e) => {
            say(&format!("failed: {e}"));
            None
        }
    };
    (keep(reply), keep(ingest))
}

pub async fn run(o: Options) -> Result<(), String> {
    let temp = std::env::temp_dir().join(format!("natter-scale-{}", std::process::id()));
    let dir = o.dir.clone().unwrap_or(temp);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&o.out).map_err(|e| e.to_string())?;
    // Per-IP and per-visitor limits would stop a generator standing in for thousands.
    let env = [
        "NATTER_RATE_MESSAGES=0/min".to_owned(),
        "NATTER_RATE_MESSAGES_PER_IP=0/min".to_owned(),
    ];
    let launch = Launch {
        natter: &o.natter,
        env: &env,
        postgres: &o.postgres,
    };
    let db = match o.backend {
        Backend::Sqlite => Db::SqliteNormal,
        Backend::Postgres => Db::Postgres,
    };
    let mut f = Figures {
        label: o.label.clone(),
        backend: Some(o.backend),
        machine: suite::machine(),
        conversations: o.conversations,
        messages: o.conversations.saturating_sub(1) * o.messages_per_conversation
            + o.long_conversation,
        ..Figures::default()
    };

    if o.compare_empty {
        say("empty database");
        if db == Db::Postgres {
            suite::fresh_postgres(&o.postgres)?;
        }
        let server = suite::start(&launch, db, &dir, "empty").await?;
        (f.empty_reply, f.empty_ingest) = drives(&o, &server.url, server.pid).await;
        suite::stop(server).await;
    }

    // The schema and the demo org come from the server itself; then the seed.
    if db == Db::Postgres {
        suite::fresh_postgres(&o.postgres)?;
    }
    let name = format!("scale-{}", o.label);
    let database = suite::database_url(&launch, db, &dir, &name);
    suite::stop(suite::start(&launch, db, &dir, &name).await?).await;
    say(&format!(
        "seeding {} conversations and {} messages",
        f.conversations, f.messages
    ));
    let started = Instant::now();
    let seed_target = match o.backend {
        Backend::Sqlite => database.clone(),
        Backend::Postgres => format!(
            "{}?options=-c%20search_path%3D{}",
            o.postgres,
            suite::SCHEMA
        ),
    };
    seed(&o, &seed_target)?;
    // The seed leaves gigabytes of dirty pages in the OS's cache; a year-old
    // database has none, and the server's first fsync would wait for them all.
    let _ = std::process::Command::new("sync").status();
    f.seed_secs = started.elapsed().as_secs_f64();
    f.db_bytes = db_bytes(&o, &database);
    f.bytes_per_message = f.db_bytes as f64 / f.messages.max(1) as f64;
    say(&format!(
        "seeded in {:.0} s: {:.2} GB",
        f.seed_secs,
        f.db_bytes as f64 / 1e9
    ));
    f.plans = explain(&o, &database);

    let server = suite::start(&launch, db, &dir, &name).await?;
    f.startup_ms = server.ready_after.as_secs_f64() * 1000.0;
    let base = server.url.clone();
    let http = crate::drive::client(4)?;
    let token = crate::drive::login(&http, &base).await?;
    let n = o.samples;
    let list = format!("{base}/api/v1/conversations?limit=50");
    say("inbox list");
    f.list_first = sample(&http, &list, &token, n).await?;
    f.list_first_open = sample(&http, &format!("{list}&status=open"), &token, n).await?;
    f.list_walk_100_pages = report::latency(walk(&http, &base, &token).await?);
    let cursor = page_100_cursor(&o, &seed_target, None)?;
    f.list_page_100 = sample(&http, &format!("{list}&cursor={cursor}"), &token, n).await?;
    let cursor = page_100_cursor(&o, &seed_target, Some("open"))?;
    let url = format!("{list}&status=open&cursor={cursor}");
    f.list_page_100_open = sample(&http, &url, &token, n).await?;

    say("detail and history");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut detail, mut back, mut forward) = (Vec::new(), Vec::new(), Vec::new());
    let long = format!("{base}/api/v1/conversations/{}/messages", conv_id(&o, 0));
    for _ in 0..n {
        let i = 1 + rng.below(o.conversations - 1);
        let url = format!("{base}/api/v1/conversations/{}", conv_id(&o, i));
        detail.push(get(&http, &url, &token).await?.0);
        let seq = 51 + rng.below(o.long_conversation - 100);
        back.push(
            get(&http, &format!("{long}?before_seq={seq}&limit=50"), &token)
                .await?
                .0,
        );
        forward.push(
            get(&http, &format!("{long}?after_seq={seq}&limit=50"), &token)
                .await?
                .0,
        );
    }
    f.detail = report::latency(detail);
    f.history_back = report::latency(back);
    f.history_forward = report::latency(forward);

    say("leads");
    let mut leads = Vec::new();
    for i in 0..n {
        let started = Instant::now();
        crate::drive::create_lead(&http, &base, i)
            .await
            .map_err(|e| format!("lead: {e}"))?;
        leads.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    f.lead = report::latency(leads);

    (f.reply, f.ingest) = drives(&o, &base, server.pid).await;
    if o.backend == Backend::Sqlite && o.wal_secs > 0 {
        say(&format!("WAL over {} s of sustained ingest", o.wal_secs));
        f.wal = Some(watch_wal(&o, &base, server.pid, &database).await);
    }
    suite::stop(server).await;
    if db == Db::Postgres {
        let _ = suite::psql(
            &o.postgres,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE;", suite::SCHEMA),
        );
    }
    if o.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    write(&o, &f)
}

fn ms(l: &Latency) -> String {
    format!("{:.2} / {:.2} / {:.2} ms", l.p50, l.p99, l.max)
}

fn write(o: &Options, f: &Figures) -> Result<(), String> {
    let stem = format!(
        "scale-{}-{}",
        serde_json::to_value(o.backend)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        o.label
    );
    let json = serde_json::to_string_pretty(f).map_err(|e| e.to_string())?;
    std::fs::write(o.out.join(format!("{stem}.json")), json).map_err(|e| e.to_string())?;
    let mut md = format!(
        "`{}` on {:?}: {} conversations, {} messages; {}.\n\n| Figure | p50 / p99 / max or value |\n|---|---:|\n",
        o.label, o.backend, f.conversations, f.messages, f.machine
    );
    let mut row = |k: &str, v: String| md.push_str(&format!("| {k} | {v} |\n"));
    row("seed time", format!("{:.0} s", f.seed_secs));
    row(
        "database size, per message",
        format!(
            "{:.2} GB, {:.0} B",
            f.db_bytes as f64 / 1e9,
            f.bytes_per_message
        ),
    );
    row("start-up to /readyz", format!("{:.0} ms", f.startup_ms));
    row("inbox list, first page", ms(&f.list_first));
    row("inbox list (open), first page", ms(&f.list_first_open));
    row(
        "inbox list, pages 1–99 walked (at most 30 s)",
        ms(&f.list_walk_100_pages),
    );
    row("inbox list, page 100", ms(&f.list_page_100));
    row("inbox list (open), page 100", ms(&f.list_page_100_open));
    row("conversation detail", ms(&f.detail));
    row("history page back (long conversation)", ms(&f.history_back));
    row(
        "history page forward (long conversation)",
        ms(&f.history_forward),
    );
    row("lead creation", ms(&f.lead));
    for (what, reply, ingest) in [
        ("seeded", &f.reply, &f.ingest),
        ("empty", &f.empty_reply, &f.empty_ingest),
    ] {
        if let Some(l) = reply.as_ref().and_then(|r| r.latency.as_ref()) {
            row(
                &format!("reply → visitor socket, {what} database"),
                format!("{:.2} / {:.2} / {:.2} ms", l.p50, l.p99, l.max),
            );
        }
        if let Some(t) = ingest.as_ref().and_then(|i| i.throughput) {
            row(&format!("ingest, {what} database"), format!("{t:.0} msg/s"));
        }
        for faults in [reply, ingest]
            .into_iter()
            .flatten()
            .map(Outcome::faults)
            .filter(|f| !f.is_empty())
        {
            row(&format!("faults, {what} database"), faults.join("; "));
        }
    }
    if let Some(w) = &f.wal {
        row(
            &format!("WAL, largest over {} s of ingest", w.seconds),
            format!(
                "{:.1} MB at {:.0} msg/s",
                w.max_bytes as f64 / 1e6,
                w.messages_per_sec.unwrap_or(0.0)
            ),
        );
        row(
            "WAL ≤ 4 MiB after the writes stop",
            w.idle_secs_to_4mib
                .map_or("not within 60 s".into(), |s| format!("{s:.1} s")),
        );
        if !w.errors.is_empty() {
            row("faults during the WAL run", w.errors.join("; "));
        }
    }
    md.push_str(&format!(
        "\n<details><summary>Query plans</summary>\n\n```\n{}\n```\n</details>\n",
        f.plans.trim()
    ));
    std::fs::write(o.out.join(format!("{stem}.md")), md).map_err(|e| e.to_string())?;
    say(&format!("wrote {}/{stem}.md and .json", o.out.display()));
    Ok(())
}
