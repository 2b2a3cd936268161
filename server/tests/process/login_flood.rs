//! A flood of sign-ins cannot exhaust memory: Argon2 (~19 MiB a check) runs on a few
//! threads, and callers finding them busy are told to come back (503, `Retry-After`).
//! Unbounded, 60 simultaneous wrong sign-ins took the server from 455 MiB to 1.5 GiB.

use crate::server::Server;
use std::net::IpAddr;
use std::time::Duration;

/// Resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib / 1024
}

#[tokio::test]
async fn memory_stays_bounded_under_a_login_flood() {
    let server = Server::start(&[]).await;
    let pid = server.pid();
    let url = format!("{}/api/v1/auth/login", server.base);
    let wrong = serde_json::json!({ "email": "demo@example.com", "password": "wrong guess" });
    let before = rss_mib(pid);
    let mut peak = before;
    let (mut refused, mut checked) = (0, 0);
    // Three waves of 120 simultaneous wrong sign-ins, from 12 addresses.
    for _ in 0..3 {
        let attempts: Vec<_> = (0..120u8)
            .map(|i| {
                let client = reqwest::Client::builder()
                    .local_address(IpAddr::from([127, 0, 1, i % 12]))
                    .build()
                    .unwrap();
                let (url, body) = (url.clone(), wrong.clone());
                tokio::spawn(async move {
                    let response = client.post(&url).json(&body).send().await.unwrap();
                    let retry = response.headers().get("retry-after").is_some();
                    (response.status().as_u16(), retry)
                })
            })
            .collect();
        let sampler = tokio::spawn(async move {
            let mut peak = 0;
            for _ in 0..60 {
                peak = peak.max(rss_mib(pid));
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            peak
        });
        for attempt in attempts {
            match attempt.await.unwrap() {
                (401, _) => checked += 1,
                (503, true) => refused += 1,
                other => panic!("unexpected answer {other:?}"),
            }
        }
        peak = peak.max(sampler.await.unwrap()).max(rss_mib(pid));
    }
    eprintln!("RSS {before} MiB before, {peak} MiB at peak; {checked} checked, {refused} refused");
    assert!(
        checked > 0 && refused > 0,
        "some checked, the rest told to retry"
    );
    // Two threads a core, ~19 MiB each, and the allocator's slack.
    let cores = std::thread::available_parallelism().map_or(2, usize::from) as u64;
    let bound = 2 * cores * 19 + 64;
    assert!(
        peak - before <= bound,
        "RSS grew by {} MiB (bound {bound} MiB)",
        peak - before
    );
    // The real password still signs in once the flood is over.
    let ok = reqwest::Client::new()
        .post(&url)
        .json(&serde_json::json!({ "email": "demo@example.com", "password": "demo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}
