//! moto's S3 server (installed by `scripts/setup.sh`) on a free loopback port, with a
//! bucket: the real S3-compatible storage the attachment tests keep files in.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct S3Server {
    child: Child,
    pub port: u16,
}

impl S3Server {
    pub async fn start() -> Self {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/moto-venv/bin/moto_server");
        assert!(
            bin.exists(),
            "{} is missing: run scripts/setup.sh (it installs moto)",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        let server = Self { child, port };
        let client = reqwest::Client::new();
        for _ in 0..400 {
            // Creating the bucket is also the readiness check.
            let made = client
                .put(format!("http://127.0.0.1:{port}/natter"))
                .send()
                .await;
            if made.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        drop(server);
        panic!("moto did not serve on {port}");
    }

    /// `NATTER_STORAGE_URL` for the bucket (moto takes any credentials).
    pub fn storage_url(&self) -> String {
        format!(
            "s3://natter?endpoint=http://127.0.0.1:{}&region=us-east-1&access_key_id=test&secret_access_key=test",
            self.port
        )
    }

    /// Stores `bytes` under `key`, as another writer would.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) {
        let stored = reqwest::Client::new()
            .put(format!("http://127.0.0.1:{}/natter/{key}", self.port))
            .body(bytes)
            .send()
            .await
            .expect("moto stores");
        assert!(stored.status().is_success(), "{}", stored.status());
    }

    /// The keys stored in the bucket.
    pub async fn keys(&self) -> Vec<String> {
        let listing = reqwest::get(format!("http://127.0.0.1:{}/natter?list-type=2", self.port))
            .await
            .expect("moto lists")
            .text()
            .await
            .expect("a listing");
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
