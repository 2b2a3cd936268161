//! Tokens never reach the logs, even at debug level, whatever the traffic.

use crate::server::Server;
use futures_util::SinkExt;
use natter_protocol::ClientFrame;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn no_token_is_ever_logged() {
    let server = Server::start_logging(&[], "debug").await;
    let base = &server.base;
    let client = reqwest::Client::new();
    let login = server.login(&client).await;
    let lead = server.create_lead(&client, "Ana", Some("hi")).await;
    let conv = format!("{base}/api/v1/conversations/{}", lead.conv_id);
    let body = serde_json::json!({ "text": "hello", "client_msg_id": "k1" });
    client
        .post(format!("{conv}/messages"))
        .bearer_auth(&lead.visitor_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    client
        .post(format!("{conv}/replies"))
        .bearer_auth(&login.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    client
        .get(format!("{conv}/messages"))
        .bearer_auth(&lead.visitor_token)
        .send()
        .await
        .unwrap();
    // Wrong and malformed tokens, which a careless server might echo.
    let forged = format!("{}x", lead.visitor_token);
    client
        .get(format!("{conv}/messages"))
        .bearer_auth(&forged)
        .send()
        .await
        .unwrap();

    let mut request = format!(
        "ws://127.0.0.1:{}/ws?org_id=demo&account_id=demo",
        server.port
    )
    .into_client_request()
    .unwrap();
    request
        .headers_mut()
        .insert("origin", "http://localhost:3000".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    for token in [&lead.visitor_token, &forged] {
        let frame = ClientFrame::Subscribe {
            conv_id: lead.conv_id.clone(),
            token: Some(token.clone()),
            after_seq: 0,
        };
        socket
            .send(WsMessage::text(serde_json::to_string(&frame).unwrap()))
            .await
            .unwrap();
    }
    let (mut staff, _) =
        tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/ws/staff", server.port))
            .await
            .unwrap();
    let auth = ClientFrame::Auth {
        token: login.token.clone(),
    };
    staff
        .send(WsMessage::text(serde_json::to_string(&auth).unwrap()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    client
        .post(format!("{base}/api/v1/auth/logout"))
        .bearer_auth(&login.token)
        .send()
        .await
        .unwrap();

    let log = server.log_text();
    assert!(
        log.contains("natter is listening"),
        "the log was captured:\n{log}"
    );
    for token in [&login.token, &lead.visitor_token, &forged] {
        assert!(!log.contains(token.as_str()), "a token was logged:\n{log}");
        // Nor any long fragment of one.
        assert!(
            !log.contains(&token[3..20]),
            "part of a token was logged:\n{log}"
        );
    }
}
