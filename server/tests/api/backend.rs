//! The database behind a test: a fresh SQLite file (the default) or, with
//! `NATTER_TEST_DATABASE=postgres`, a fresh schema in the Postgres at
//! `NATTER_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! dropped when the test ends. With `NATTER_TEST_SQLITE_FIXTURE=path`, each SQLite
//! database starts as a copy of that file (an earlier release's database, see
//! `scripts/upgrade-fixture.sh`), so the suite runs on an upgraded database. Redis tests use `NATTER_TEST_REDIS_URL`
//! (default `redis://127.0.0.1:6379`) with a key prefix of their own.

use sqlx::{Connection, Executor};

pub struct TestDb {
    pub url: String,
    postgres: Option<(String, String)>,
    /// The SQLite file's directory, and the attachments' (on either backend).
    dir: tempfile::TempDir,
}

fn postgres_admin_url() -> String {
    std::env::var("NATTER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn uses_postgres() -> bool {
    std::env::var("NATTER_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

impl TestDb {
    /// The suite's database: fresh, or a copy of the upgrade fixture when one is set.
    pub async fn new() -> TestDb {
        let fixture = std::env::var_os("NATTER_TEST_SQLITE_FIXTURE");
        Self::create(fixture.map(std::path::PathBuf::from)).await
    }

    /// A database with nothing in it, whatever the suite runs on.
    pub async fn empty() -> TestDb {
        Self::create(None).await
    }

    /// A copy of an earlier release's SQLite database.
    pub async fn copy_of(fixture: &std::path::Path) -> TestDb {
        Self::create(Some(fixture.to_owned())).await
    }

    /// Where the app keeps attachments: a directory of this database's.
    pub fn files_url(&self) -> String {
        format!("file://{}/attachments", self.dir.path().display())
    }

    pub fn files_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("attachments")
    }

    async fn create(fixture: Option<std::path::PathBuf>) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        if !uses_postgres() {
            let path = dir.path().join("natter.db");
            if let Some(fixture) = fixture {
                std::fs::copy(&fixture, &path).expect("the upgrade fixture is readable");
            }
            let url = format!("sqlite://{}", path.display());
            return TestDb {
                url,
                postgres: None,
                dir,
            };
        }
        sqlx::any::install_default_drivers();
        let admin = postgres_admin_url();
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::AnyConnection::connect(&admin)
            .await
            .expect("Postgres is reachable");
        conn.execute(format!("CREATE SCHEMA {schema}").as_str())
            .await
            .expect("create schema");
        conn.close().await.ok();
        let separator = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{separator}options=-c%20search_path%3D{schema}");
        TestDb {
            url,
            postgres: Some((admin, schema)),
            dir,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, schema)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any runtime's async context: clean up on a thread of its own.
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                    let _ = conn
                        .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
                        .await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

pub fn redis_url() -> String {
    std::env::var("NATTER_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// The Redis address, or `None` (with the reason printed) when these tests must be
/// skipped: only outside CI; in CI a missing Redis fails the test.
pub async fn redis_or_skip(test: &str) -> Option<std::net::SocketAddr> {
    let url = redis_url();
    let host = url.trim_start_matches("redis://").trim_end_matches('/');
    let reachable = match tokio::net::lookup_host(host)
        .await
        .ok()
        .and_then(|mut a| a.next())
    {
        Some(addr) => tokio::net::TcpStream::connect(addr)
            .await
            .is_ok()
            .then_some(addr),
        None => None,
    };
    if reachable.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "{test}: Redis is not reachable at {url}, and CI needs it"
        );
        eprintln!("SKIPPED {test}: Redis is not reachable at {url} (set NATTER_TEST_REDIS_URL)");
    }
    reachable
}
