//! The search benchmark: 1,000,000 messages of varied text (100,000 conversations of
//! ten messages, a shop's vocabulary with a few common words and many rare ones,
//! order numbers and product codes), seeded in bulk twice — with the search index
//! and without it — for the index's size and its cost on writes; then queries of
//! every kind through `GET /api/v1/search`, timed from request to whole body.

use crate::report::{self, Latency};
use crate::scale::{Backend, run_sql};
use crate::suite::{self, Db, Launch};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The server binary.
    #[arg(long, default_value = "target/release/natter")]
    pub natter: PathBuf,
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// Conversations seeded, one visitor each, ten messages each.
    #[arg(long, default_value_t = 100_000)]
    pub conversations: u64,
    /// Timed requests per query.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    #[arg(long, default_value = "bench/results")]
    pub out: PathBuf,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres: String,
    /// Folder for the SQLite databases, kept afterwards (and the Postgres schema with
    /// them); default a temporary one, removed.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

const MESSAGES_PER_CONVERSATION: u64 = 10;

/// A shop's words, the most used first: a message draws from the head far more
/// often than from the tail (a Zipf-like skew), as chats do.
const WORDS: &[&str] = &[
    "the",
    "order",
    "hi",
    "thanks",
    "please",
    "delivery",
    "when",
    "my",
    "can",
    "you",
    "is",
    "it",
    "size",
    "refund",
    "help",
    "payment",
    "address",
    "shipping",
    "return",
    "still",
    "stock",
    "card",
    "invoice",
    "tracking",
    "number",
    "parcel",
    "late",
    "today",
    "tomorrow",
    "week",
    "colour",
    "blue",
    "black",
    "red",
    "green",
    "white",
    "small",
    "medium",
    "large",
    "discount",
    "code",
    "coupon",
    "price",
    "cheaper",
    "expensive",
    "broken",
    "damaged",
    "wrong",
    "item",
    "missing",
    "exchange",
    "warranty",
    "receipt",
    "account",
    "password",
    "login",
    "email",
    "phone",
    "change",
    "cancel",
    "subscription",
    "monthly",
    "yearly",
    "gift",
    "wrap",
    "message",
    "store",
    "opening",
    "hours",
    "weekend",
    "holiday",
    "express",
    "standard",
    "courier",
    "pickup",
    "locker",
    "customs",
    "duty",
    "international",
    "europe",
    "vietnam",
    "hanoi",
    "berlin",
    "paris",
    "london",
    "cotton",
    "wool",
    "leather",
    "shoes",
    "jacket",
    "shirt",
    "dress",
    "trousers",
    "socks",
    "hat",
    "scarf",
    "gloves",
    "bag",
    "wallet",
    "belt",
    "watch",
    "ring",
    "necklace",
    "bracelet",
    "earrings",
    "glasses",
    "umbrella",
    "charger",
    "cable",
    "battery",
    "screen",
    "keyboard",
    "mouse",
    "headphones",
    "speaker",
    "camera",
    "lens",
    "tripod",
    "backpack",
    "suitcase",
    "bottle",
    "mug",
    "kettle",
    "toaster",
    "blender",
    "pan",
    "knife",
    "fork",
    "spoon",
    "plate",
    "bowl",
    "towel",
    "pillow",
    "blanket",
    "mattress",
    "lamp",
    "chair",
    "table",
    "shelf",
    "mirror",
    "curtain",
    "rug",
    "vase",
    "candle",
    "soap",
    "shampoo",
    "perfume",
    "lipstick",
    "cream",
    "sunscreen",
    "vitamins",
    "tea",
    "coffee",
    "chocolate",
    "biscuits",
    "honey",
    "jam",
    "olive",
    "oil",
    "vinegar",
    "spices",
    "rice",
    "pasta",
    "flour",
    "sugar",
    "salt",
    "pepper",
    "voucher",
    "loyalty",
    "points",
    "member",
    "newsletter",
    "unsubscribe",
    "complaint",
    "manager",
    "supervisor",
    "urgent",
    "asap",
    "disappointed",
    "happy",
    "great",
    "perfect",
    "awful",
    "slow",
    "fast",
    "quality",
];
const FIRST: &[&str] = &[
    "Anna", "Bao", "Carlos", "Dana", "Emil", "Fatima", "Giulia", "Hana", "Ivan", "Jonas", "Kim",
    "Linh", "Mateo", "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Thu",
];
const LAST: &[&str] = &[
    "Nguyen", "Schmidt", "Garcia", "Rossi", "Tanaka", "Okafor", "Dubois", "Kowalski", "Silva",
    "Haddad", "Larsen", "Moreau", "Novak", "Petrov", "Quinn", "Reyes", "Sato", "Tran", "Weber",
    "Young",
];

/// A small xorshift: the same text every run, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// An index skewed to the head: `n · u³` for uniform `u`.
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64) * u * u * u) as usize
    }
}

fn message_text(rng: &mut Rng) -> String {
    let words = 6 + rng.below(10);
    let mut text = String::new();
    for w in 0..words {
        if w > 0 {
            text.push(' ');
        }
        match rng.below(40) {
            // An order number or a product code: rare words.
            0 => {
                let _ = write!(text, "#A{}", 10_000 + rng.below(90_000));
            }
            1 => {
                let _ = write!(text, "sku{}", 100_000 + rng.below(900_000));
            }
            _ => text.push_str(WORDS[rng.skewed(WORDS.len())]),
        }
    }
    text
}

/// The seed as SQL: visitors, conversations and their messages, in one transaction.
fn seed_sql(o: &Options) -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let t0: u64 = 1_700_000_000_000;
    let step = 365 * 24 * 3600 * 1000 / o.conversations.max(1);
    let mut sql = String::with_capacity(200 * 1_000_000);
    sql.push_str(match o.backend {
        Backend::Postgres => "SET synchronous_commit = off;\nBEGIN;\n",
        Backend::Sqlite => "PRAGMA synchronous = OFF;\nPRAGMA cache_size = -500000;\nBEGIN;\n",
    });
    const BATCH: u64 = 500;
    for chunk in (0..o.conversations).step_by(BATCH as usize) {
        let end = (chunk + BATCH).min(o.conversations);
        sql.push_str("INSERT INTO visitors (id, org_id, account_id, token_hash, name, email, created_at) VALUES ");
        for i in chunk..end {
            let name = format!(
                "{} {}",
                FIRST[(i % 20) as usize],
                LAST[((i / 20) % 20) as usize]
            );
            let sep = if i == chunk { "" } else { "," };
            let _ = write!(
                sql,
                "{sep}('sv{i}', 'demo', 'demo', 'st{i}', '{name}', 'customer{i}@mail.example', {})",
                t0 + i * step
            );
        }
        sql.push_str(";\nINSERT INTO conversations (id, org_id, account_id, visitor_id, status, last_seq, created_at, last_activity_at) VALUES ");
        for i in chunk..end {
            let sep = if i == chunk { "" } else { "," };
            let status = if i % 10 == 0 { "open" } else { "resolved" };
            let at = t0 + i * step;
            let _ = write!(
                sql,
                "{sep}('sc{i}', 'demo', 'demo', 'sv{i}', '{status}', {MESSAGES_PER_CONVERSATION}, {at}, {})",
                at + MESSAGES_PER_CONVERSATION * 60_000
            );
        }
        sql.push_str(";\nINSERT INTO messages (id, conv_id, seq, direction, sender_kind, sender_id, sender_name, text, client_msg_id, created_at) VALUES ");
        for i in chunk..end {
            for seq in 1..=MESSAGES_PER_CONVERSATION {
                let sep = if i == chunk && seq == 1 { "" } else { "," };
                let (direction, kind, sender) = if seq % 2 == 1 {
                    ("in", "visitor", format!("sv{i}"))
                } else {
                    ("out", "staff", "demo-staff".to_owned())
                };
                let _ = write!(
                    sql,
                    "{sep}('sm{i}-{seq}', 'sc{i}', {seq}, '{direction}', '{kind}', '{sender}', 'x', '{}', 'k{seq}', {})",
                    message_text(&mut rng),
                    t0 + i * step + seq * 60_000
                );
            }
        }
        sql.push_str(";\n");
    }
    sql.push_str("COMMIT;\n");
    sql.push_str(match o.backend {
        Backend::Postgres => "VACUUM ANALYZE;\n",
        Backend::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE);\n",
    });
    sql
}

/// What the index removal takes: the schema as it would be without search.
fn drop_index_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_update; \
             DROP TRIGGER messages_fts_delete; DROP TRIGGER visitors_fts_insert; \
             DROP TRIGGER visitors_fts_update; DROP TRIGGER visitors_fts_delete; \
             DROP TABLE messages_fts; DROP TABLE visitors_fts;"
        }
        Backend::Postgres => {
            "ALTER TABLE messages DROP COLUMN search; ALTER TABLE visitors DROP COLUMN search;"
        }
    }
}

fn psql_number(postgres: &str, sql: &str) -> u64 {
    std::process::Command::new("psql")
        .args([postgres, "-tA", "-c", sql])
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(0)
}

/// The database's size on disk: the SQLite file (and WAL), or the bench schema's tables
/// with their indexes and TOAST on Postgres.
fn db_bytes(o: &Options, database: &str) -> u64 {
    match o.backend {
        Backend::Sqlite => {
            let file = database.trim_start_matches("sqlite://");
            ["", "-wal"]
                .iter()
                .map(|s| std::fs::metadata(format!("{file}{s}")).map_or(0, |m| m.len()))
                .sum()
        }
        Backend::Postgres => psql_number(
            &o.postgres,
            &format!(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = '{}' AND c.relkind = 'r'",
                suite::SCHEMA
            ),
        ),
    }
}

#[derive(Debug, Default, Serialize)]
struct Query {
    name: &'static str,
    query: String,
    /// Results on the first page (at most 20).
    results: usize,
    latency: Latency,
}

#[derive(Debug, Default, Serialize)]
struct Figures {
    backend: Option<Backend>,
    machine: String,
    messages: u64,
    conversations: u64,
    seed_with_index_secs: f64,
    seed_without_index_secs: f64,
    db_bytes_with_index: u64,
    db_bytes_without_index: u64,
    queries: Vec<Query>,
}

fn say(message: &str) {
    eprintln!("[search] {message}");
}

/// Seeds a fresh database (its schema made by the server), optionally without the
/// search index; the seed's time and the database's size.
async fn seeded(
    o: &Options,
    launch: &Launch<'_>,
    dir: &Path,
    name: &str,
    sql: &str,
    index: bool,
) -> Result<(Duration, u64, String), String> {
    let db = match o.backend {
        Backend::Sqlite => Db::SqliteNormal,
        Backend::Postgres => Db::Postgres,
    };
    if db == Db::Postgres {
        suite::fresh_postgres(&o.postgres)?;
    }
    let database = suite::database_url(launch, db, dir, name);
    suite::stop(suite::start(launch, db, dir, name).await?).await;
    let target = match o.backend {
        Backend::Sqlite => database.clone(),
        Backend::Postgres => format!(
            "{}?options=-c%20search_path%3D{}",
            o.postgres,
            suite::SCHEMA
        ),
    };
    if !index {
        run_sql(o.backend, &target, drop_index_sql(o.backend))?;
    }
    say(&format!(
        "seeding {} index",
        if index { "with the" } else { "without the" }
    ));
    let took = run_sql(o.backend, &target, sql)?;
    let _ = std::process::Command::new("sync").status();
    Ok((took, db_bytes(o, &database), database))
}

pub async fn run(o: Options) -> Result<(), String> {
    let temp = std::env::temp_dir().join(format!("natter-search-{}", std::process::id()));
    let dir = o.dir.clone().unwrap_or(temp);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&o.out).map_err(|e| e.to_string())?;
    let launch = Launch {
        natter: &o.natter,
        env: &[],
        postgres: &o.postgres,
    };
    let sql = seed_sql(&o);
    let mut f = Figures {
        backend: Some(o.backend),
        machine: suite::machine(),
        conversations: o.conversations,
        messages: o.conversations * MESSAGES_PER_CONVERSATION,
        ..Figures::default()
    };
    let (took, bytes, _) = seeded(&o, &launch, &dir, "search-plain", &sql, false).await?;
    (f.seed_without_index_secs, f.db_bytes_without_index) = (took.as_secs_f64(), bytes);
    if o.backend == Backend::Sqlite && o.dir.is_none() {
        let _ = std::fs::remove_file(dir.join("search-plain.db"));
    }
    let (took, bytes, _) = seeded(&o, &launch, &dir, "search", &sql, true).await?;
    (f.seed_with_index_secs, f.db_bytes_with_index) = (took.as_secs_f64(), bytes);
    drop(sql);

    let db = match o.backend {
        Backend::Sqlite => Db::SqliteNormal,
        Backend::Postgres => Db::Postgres,
    };
    let server = suite::start(&launch, db, &dir, "search").await?;
    let base = server.url.clone();
    let http = crate::drive::client(2)?;
    let token = crate::drive::login(&http, &base).await?;
    let queries: [(&'static str, &str); 9] = [
        ("a rare word (a product code's prefix)", "q=sku12345"),
        ("an order number", "q=A12345"),
        ("a common word (in ~1 in 4 messages)", "q=order"),
        ("a middling word", "q=umbrella"),
        ("a word prefix", "q=umbr"),
        ("two words", "q=refund+parcel"),
        ("a visitor's name", "q=linh+tran"),
        ("a visitor's email", "q=customer4242%40mail.example"),
        (
            "a common word, open conversations only",
            "q=order&status=open",
        ),
    ];
    for (name, query) in queries {
        say(name);
        let url = format!("{base}/api/v1/search?{query}");
        let mut us = Vec::with_capacity(o.samples);
        let mut results = 0;
        let started = Instant::now();
        while us.len() < o.samples && (us.len() < 5 || started.elapsed() < Duration::from_secs(60))
        {
            let t = Instant::now();
            let response = http
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response.bytes().await.map_err(|e| e.to_string())?;
            us.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
            if !status.is_success() {
                return Err(format!("{url}: {status}"));
            }
            let value: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            results = value["results"].as_array().map_or(0, Vec::len);
        }
        f.queries.push(Query {
            name,
            query: query.to_owned(),
            results,
            latency: report::latency(us),
        });
    }
    suite::stop(server).await;
    if o.backend == Backend::Postgres && o.dir.is_none() {
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

fn write(o: &Options, f: &Figures) -> Result<(), String> {
    let backend = match o.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let stem = o.out.join(format!("search-{backend}"));
    let json = serde_json::to_string_pretty(f).map_err(|e| e.to_string())?;
    std::fs::write(stem.with_extension("json"), json).map_err(|e| e.to_string())?;
    let mb = |b: u64| b as f64 / 1e6;
    let index = f
        .db_bytes_with_index
        .saturating_sub(f.db_bytes_without_index);
    let per_message_us = (f.seed_with_index_secs - f.seed_without_index_secs).max(0.0) * 1e6
        / f.messages.max(1) as f64;
    let mut md = format!(
        "# Search: {backend}, {} messages in {} conversations\n\n{}\n\n\
         | Figure | Value |\n|---|---:|\n\
         | Bulk insert without the index | {:.1} s |\n\
         | Bulk insert with the index | {:.1} s |\n\
         | Write cost of the index | {:.1} µs per message (×{:.2}) |\n\
         | Database without the index | {:.0} MB |\n\
         | Database with the index | {:.0} MB |\n\
         | Index size | {:.0} MB ({:.0} bytes per message) |\n\n\
         | Query | Results (first page) | p50 | p99 | max |\n|---|---:|---:|---:|---:|\n",
        f.messages,
        f.conversations,
        f.machine,
        f.seed_without_index_secs,
        f.seed_with_index_secs,
        per_message_us,
        f.seed_with_index_secs / f.seed_without_index_secs.max(1e-9),
        mb(f.db_bytes_without_index),
        mb(f.db_bytes_with_index),
        mb(index),
        index as f64 / f.messages.max(1) as f64,
    );
    for q in &f.queries {
        let _ = writeln!(
            md,
            "| {} (`{}`) | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            q.name, q.query, q.results, q.latency.p50, q.latency.p99, q.latency.max
        );
    }
    std::fs::write(stem.with_extension("md"), md).map_err(|e| e.to_string())?;
    say(&format!("wrote {}.md and .json", stem.display()));
    Ok(())
}
