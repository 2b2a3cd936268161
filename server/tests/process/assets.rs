//! A server whose front-ends are missing says so at start-up, loudly, rather than
//! answering 404 in silence.

use crate::server::Server;

#[tokio::test]
async fn missing_front_ends_are_reported_at_start_up() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_str().unwrap();
    let server = Server::start(&["--widget-dir", dir, "--inbox-dir", dir]).await;
    let client = reqwest::Client::new();
    let embed = client
        .get(format!("{}/embed.js", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(embed.status(), reqwest::StatusCode::NOT_FOUND);
    let log = server.log_text();
    for expected in [
        "--widget-dir holds no embed.js",
        "--inbox-dir holds no index.html",
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains("ERROR") && l.contains(expected)),
            "the log does not say {expected:?}:\n{log}"
        );
    }
}
