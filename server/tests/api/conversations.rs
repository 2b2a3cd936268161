//! The staff inbox's view: the list, details and status.

use crate::helpers::spawn_app;
use natter_protocol::{ConversationDetail, ConversationList, ConversationStatus};
use reqwest::StatusCode;

#[tokio::test]
async fn the_list_is_ordered_by_latest_activity_with_unread_counts_and_pages() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let a = app.create_lead("Ana", Some("a1")).await;
    let b = app.create_lead("Bo", Some("b1")).await;
    let c = app.create_lead("Cy", Some("c1")).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.post_message(&a.conv_id, &a.visitor_token, "a2", "k")
        .await;

    let list: ConversationList = app
        .client
        .get(app.url("/conversations?limit=2"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list
        .conversations
        .iter()
        .map(|c| c.visitor.name.as_str())
        .collect();
    assert_eq!(names, vec!["Ana", "Cy"]);
    assert_eq!(list.conversations[0].unread_count, 2);
    assert_eq!(
        list.conversations[0].last_message.as_ref().unwrap().text,
        "a2"
    );
    let cursor = list.next_cursor.expect("a next page");
    let rest: ConversationList = app
        .client
        .get(app.url(&format!("/conversations?limit=2&cursor={cursor}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest.conversations.len(), 1);
    assert_eq!(rest.conversations[0].conv_id, b.conv_id);
    assert!(rest.next_cursor.is_none());
    let _ = c;
}

#[tokio::test]
async fn resolve_filters_and_a_visitor_message_reopens() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let lead = app.create_lead("Ana", Some("hi")).await;
    let resolved: ConversationDetail = app
        .client
        .patch(app.url(&format!("/conversations/{}", lead.conv_id)))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "status": "resolved" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resolved.summary.status, ConversationStatus::Resolved);
    let list = |status: &'static str| {
        let request = app
            .client
            .get(app.url(&format!("/conversations?status={status}")))
            .bearer_auth(&token);
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<ConversationList>()
                .await
                .unwrap()
                .conversations
                .len()
        }
    };
    assert_eq!((list("open").await, list("resolved").await), (0, 1));
    let again = app
        .post_message(&lead.conv_id, &lead.visitor_token, "one more thing", "k2")
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!((list("open").await, list("resolved").await), (1, 0));
}

#[tokio::test]
async fn details_include_the_visitor() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let body = serde_json::json!({
        "name": "Ana", "email": "Ana@Example.com", "phone": "+84 912 345 678", "page_url": "https://shop.example/cart"
    });
    let response = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .header("user-agent", "TestBrowser/1.0")
        .json(&body)
        .send()
        .await
        .unwrap();
    let lead: natter_protocol::LeadCreated = response.json().await.unwrap();
    let detail: ConversationDetail = app
        .client
        .get(app.url(&format!("/conversations/{}", lead.conv_id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let v = &detail.summary.visitor;
    assert_eq!(v.name, "Ana");
    assert_eq!(v.email.as_deref(), Some("ana@example.com"));
    assert_eq!(v.phone.as_deref(), Some("+84 912 345 678"));
    assert_eq!(v.page_url.as_deref(), Some("https://shop.example/cart"));
    assert_eq!(v.user_agent.as_deref(), Some("TestBrowser/1.0"));
    assert!(v.first_seen_at > 0);
}

#[tokio::test]
async fn the_widget_header_names_who_answers_and_how_fast() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    for name in ["Ana", "Bo", "Cy"] {
        let lead = app.create_lead(name, Some("hello")).await;
        app.reply_ok(&lead.conv_id, &token, "hi, how can I help?")
            .await;
    }
    // An unanswered conversation does not count as a quick (or any) reply.
    app.create_lead("Di", Some("anyone there?")).await;
    let config = app.widget_config().await;
    assert_eq!(config.team, ["Demo Agent"]);
    let secs = config
        .reply_secs
        .expect("a reply time after three answered conversations");
    assert!(
        secs < 60,
        "replies within the test took {secs} s by the header"
    );
}

#[tokio::test]
async fn a_new_organization_shows_no_reply_time() {
    let app = spawn_app().await;
    let config = app.widget_config().await;
    assert_eq!(config.reply_secs, None);
}

#[tokio::test]
async fn a_transcript_holds_the_whole_conversation_as_json_or_text_for_staff_only() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let lead = app.create_lead("Ana", Some("Hello\nsecond line")).await;
    app.reply_ok(&lead.conv_id, &token, "Hi Ana").await;
    // More than one page of the store's reads.
    for i in 0..520 {
        let response = app
            .post_message(
                &lead.conv_id,
                &lead.visitor_token,
                &format!("m{i}"),
                &format!("k{i}"),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let get = |query: &'static str, token: String| {
        let app = &app;
        let conv = lead.conv_id.clone();
        async move {
            app.client
                .get(app.url(&format!("/conversations/{conv}/transcript{query}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };

    let response = get("", token.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".json")
    );
    let transcript: natter_protocol::Transcript = response.json().await.unwrap();
    let seqs: Vec<u64> = transcript.messages.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=522).collect::<Vec<u64>>(),
        "every message, in order"
    );
    assert_eq!(transcript.conversation.summary.conv_id, lead.conv_id);

    let response = get("?format=text", token.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with("Conversation with Ana on demo\n"),
        "{text}"
    );
    assert!(text.contains("] Ana: Hello\n    second line\n"), "{text}");
    assert!(text.contains("] Demo Agent (staff): Hi Ana\n"), "{text}");
    assert!(text.contains("] Ana: m519\n"));

    // Not for the visitor, nor another organization; a bad format is a 400.
    assert!(
        [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN]
            .contains(&get("", lead.visitor_token.clone()).await.status())
    );
    let stranger = app.other_org("acme").await;
    assert_eq!(get("", stranger).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get("?format=pdf", token).await.status(),
        StatusCode::BAD_REQUEST
    );
}

/// Ids are made in creation order (`store::new_id`): a shop's busy rows, its recent
/// ones, then share the right edge of every index keyed by them (BENCHMARKS.md, "A
/// year of a busy shop": random ids halved ingest on a year of data).
#[tokio::test]
async fn conversation_visitor_and_message_ids_sort_in_creation_order() {
    let app = spawn_app().await;
    let mut leads = Vec::new();
    for name in ["Ana", "Bo", "Cy"] {
        leads.push(app.create_lead(name, Some("hello")).await);
        // UUIDv7 orders by the millisecond; within one, by its random tail.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let a = &leads[0];
    let reply = app
        .post_message(&a.conv_id, &a.visitor_token, "again", "k2")
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let later = reply
        .json::<natter_protocol::MessageEnvelope>()
        .await
        .unwrap()
        .message;
    for pair in leads.windows(2) {
        assert!(pair[0].conv_id.0 < pair[1].conv_id.0, "conversation ids");
        assert!(pair[0].visitor_id < pair[1].visitor_id, "visitor ids");
        assert!(
            pair[0].messages[0].id < pair[1].messages[0].id,
            "message ids"
        );
    }
    assert!(leads[2].messages[0].id < later.id, "a later message's id");
}
