//! Internal notes reach staff and no visitor path; deleted messages lose their text
//! and keep their seq, live on both sides.

use crate::helpers::{TestApp, assert_error, eventually, send, spawn_app, spawn_app_with};
use crate::smtp::{SmtpServer, decoded};
use natter_protocol::{ConvId, LeadCreated, Message, MessageEnvelope, Note, NoteList, ServerFrame};
use natter_server::config::MailArgs;
use reqwest::{Method, StatusCode};
use std::time::Duration;

async fn note(
    app: &TestApp,
    conv: &ConvId,
    token: &str,
    text: &str,
    key: &str,
) -> reqwest::Response {
    let body = serde_json::json!({ "text": text, "client_msg_id": key });
    send(
        app,
        Method::POST,
        &format!("/conversations/{conv}/notes"),
        token,
        Some(body),
    )
    .await
}

async fn lead(app: &TestApp, email: Option<&str>) -> LeadCreated {
    let response = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .json(&serde_json::json!({ "name": "Vera", "email": email, "message": "My order is late" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Seqs 1..=n, each once, in order.
fn gap_free(messages: &[Message]) {
    let seqs: Vec<u64> = messages.iter().map(|m| m.seq).collect();
    let want: Vec<u64> = (1..=messages.len() as u64).collect();
    assert_eq!(seqs, want, "the visitor's view has no gap");
}

#[tokio::test]
async fn a_note_reaches_staff_live_and_no_visitor_path() {
    const SECRET: &str = "refund-approved-by-finance-7731";
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| {
        s.mail = MailArgs {
            email_delay_secs: 1,
            staff_alert_secs: 3600,
            ..smtp.settings()
        }
    })
    .await;
    let admin = app.staff_token().await;
    let (bo_id, bo) = app.join("demo", "agent", "pw-bo").await;
    let bo_name = app.login_of(&bo).await.name;
    let lead = lead(&app, Some("vera@mail.example")).await;
    let conv = &lead.conv_id;
    let mut visitor = app.visitor_socket().await;
    visitor.subscribe(conv, Some(&lead.visitor_token), 0).await;
    let mut second = app.staff_socket(&bo).await;

    app.reply_ok(conv, &admin, "Let me check.").await;
    let text = format!("@{bo_name} {SECRET}");
    let response = note(&app, conv, &admin, &text, "n1").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let written: Note = response.json().await.unwrap();
    assert_eq!(written.after_seq, 2, "after the reply");
    assert_eq!(written.mentions, std::slice::from_ref(&bo_id));
    assert_eq!(
        written.author.id,
        app.login_of(&admin).await.id,
        "the caller writes it"
    );
    app.reply_ok(conv, &admin, "Your refund is on its way.")
        .await;

    // The second member sees it live.
    loop {
        match second.next().await {
            ServerFrame::Note { note } => {
                assert_eq!(note, written);
                break;
            }
            _ => continue,
        }
    }
    // The same key again is the same note; with other text it is refused.
    let again = note(&app, conv, &admin, &text, "n1").await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Note>().await.unwrap(), written);
    let other = note(&app, conv, &admin, "something else", "n1").await;
    assert_error(other, StatusCode::CONFLICT).await;
    let list: NoteList = app
        .get_json(&format!("/conversations/{conv}/notes"), &bo)
        .await;
    assert_eq!(list.notes, [written]);

    // Live over the visitor's socket: the two replies, nothing else.
    for want in [2, 3] {
        match visitor.next().await {
            ServerFrame::Message { message } => assert_eq!(message.seq, want),
            other => panic!("the visitor was sent {other:?}"),
        }
    }
    assert!(
        visitor
            .next_within(Duration::from_millis(300))
            .await
            .is_none()
    );
    // History and a replay from the start: gap-free, no note.
    let history = app.history(conv, &lead.visitor_token, 0).await;
    gap_free(&history.messages);
    assert_eq!(history.last_seq, 3);
    assert!(!serde_json::to_string(&history).unwrap().contains(SECRET));
    let mut fresh = app.visitor_socket().await;
    let (last, replayed) = fresh.subscribe(conv, Some(&lead.visitor_token), 0).await;
    assert_eq!(last, 3);
    gap_free(&replayed);
    assert!(!format!("{replayed:?}").contains(SECRET));

    // Email: the visitor's has the replies and not the note; Bo's mention has it.
    eventually("the visitor's email and Bo's mention", async || {
        let all = smtp.messages();
        all.iter().any(|m| m.contains("To: vera@mail.example"))
            && all.iter().any(|m| decoded(m).contains(SECRET))
    })
    .await;
    for mail in smtp.messages() {
        let body = decoded(&mail);
        if mail.contains("To: vera@mail.example") {
            assert!(body.contains("Your refund is on its way."), "{body}");
            assert!(
                !body.contains(SECRET),
                "a note in the visitor's email: {body}"
            );
        }
    }
    // The transcript the visitor asks for by email, and the export of their data.
    let response = app
        .client
        .post(app.url(&format!("/conversations/{conv}/transcript-email")))
        .bearer_auth(&lead.visitor_token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    eventually("the transcript email", async || {
        smtp.messages()
            .iter()
            .any(|m| m.contains("Subject: Transcript of your conversation"))
    })
    .await;
    let transcript = smtp
        .messages()
        .into_iter()
        .find(|m| m.contains("Subject: Transcript of your conversation"))
        .unwrap();
    let body = decoded(&transcript);
    assert!(
        body.contains("Your refund is on its way.") && body.contains("My order is late"),
        "{body}"
    );
    assert!(!body.contains(SECRET), "a note in the transcript: {body}");
    let visitor_id = app
        .get_json::<natter_protocol::ConversationDetail>(&format!("/conversations/{conv}"), &admin)
        .await
        .summary
        .visitor
        .id;
    let export = send(
        &app,
        Method::GET,
        &format!("/visitors/{visitor_id}/export"),
        &admin,
        None,
    )
    .await;
    assert_eq!(export.status(), StatusCode::OK);
    let export = export.text().await.unwrap();
    assert!(export.contains("Your refund is on its way.") && !export.contains(SECRET));

    let bo_email = app.login_of(&bo).await.email;
    assert!(
        smtp.messages()
            .iter()
            .any(|m| m.contains(&format!("To: {bo_email}")) && decoded(m).contains(SECRET)),
        "the mention is emailed to Bo"
    );
}

#[tokio::test]
async fn notes_validate_their_text_and_belong_to_the_organization() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let stranger = app.other_org("acme").await;
    let lead = lead(&app, None).await;
    let conv = &lead.conv_id;
    for (text, key, code) in [
        ("   ", "k1", "invalid_text"),
        ("fine", "", "invalid_client_msg_id"),
    ] {
        let response = note(&app, conv, &admin, text, key).await;
        assert_eq!(
            assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            code
        );
    }
    let foreign = note(&app, conv, &stranger, "hello", "k2").await;
    assert_error(foreign, StatusCode::NOT_FOUND).await;
    let visitor = note(&app, conv, &lead.visitor_token, "hello", "k3").await;
    assert_error(visitor, StatusCode::FORBIDDEN).await;
    let list: NoteList = app
        .get_json(&format!("/conversations/{conv}/notes"), &admin)
        .await;
    assert!(list.notes.is_empty());
}

async fn delete(app: &TestApp, conv: &ConvId, id: &str, token: &str) -> reqwest::Response {
    send(
        app,
        Method::DELETE,
        &format!("/conversations/{conv}/messages/{id}"),
        token,
        None,
    )
    .await
}

#[tokio::test]
async fn a_deleted_message_loses_its_text_keeps_its_seq_and_both_sides_see_it_live() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let stranger = app.other_org("acme").await;
    let lead = lead(&app, None).await;
    let conv = &lead.conv_id;
    let mut visitor = app.visitor_socket().await;
    visitor.subscribe(conv, Some(&lead.visitor_token), 0).await;
    let mut staff = app.staff_socket(&admin).await;
    let card = app
        .post_message(
            conv,
            &lead.visitor_token,
            "my card is 4111 1111 1111 1111",
            "c1",
        )
        .await
        .json::<MessageEnvelope>()
        .await
        .unwrap()
        .message;
    let reply = app.reply_ok(conv, &admin, "Please don't share that.").await;

    // A visitor deletes their own message; both sides are told at once.
    let response = delete(&app, conv, &card.id, &lead.visitor_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tombstone = response.json::<MessageEnvelope>().await.unwrap().message;
    assert_eq!((tombstone.seq, tombstone.text.as_str()), (2, ""));
    assert!(tombstone.deleted_at.is_some());
    for socket in [&mut visitor, &mut staff] {
        loop {
            if let ServerFrame::MessageDeleted { message } = socket.next().await {
                assert_eq!(message, tombstone);
                break;
            }
        }
    }
    // The text is gone from storage, not hidden.
    let stored = app
        .sql_i64("SELECT COUNT(*) FROM messages WHERE text LIKE '%4111%'")
        .await;
    assert_eq!(stored, 0);
    let history = app.history(conv, &lead.visitor_token, 0).await;
    gap_free(&history.messages);
    assert_eq!(history.messages[1], tombstone);
    // Again: the same tombstone.
    let again = delete(&app, conv, &card.id, &admin).await;
    assert_eq!(
        again.json::<MessageEnvelope>().await.unwrap().message,
        tombstone
    );

    // Who may delete what.
    let cases = [
        (
            reply.id.as_str(),
            lead.visitor_token.as_str(),
            StatusCode::FORBIDDEN,
        ),
        (reply.id.as_str(), stranger.as_str(), StatusCode::NOT_FOUND),
        (
            "0190c0de-0000-7000-8000-000000000000",
            admin.as_str(),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (id, token, status) in cases {
        assert_error(delete(&app, conv, id, token).await, status).await;
    }
    let first = &history.messages[0];
    app.sql(&format!(
        "UPDATE messages SET created_at = created_at - 601000 WHERE id = '{}'",
        first.id
    ))
    .await;
    let late = delete(&app, conv, &first.id, &lead.visitor_token).await;
    assert_error(late, StatusCode::FORBIDDEN).await;
    // Staff delete any message of their organization's.
    let by_staff = delete(&app, conv, &first.id, &admin).await;
    assert_eq!(by_staff.status(), StatusCode::OK);
    let history = app.history(conv, &lead.visitor_token, 0).await;
    gap_free(&history.messages);
    let texts: Vec<&str> = history.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["", "", "Please don't share that."]);
}
