//! Assignment: a conversation given to a member of its organization (or to nobody), the
//! inbox's views by assignee, and every staff socket told at once.

use crate::helpers::{TestApp, assert_error, spawn_app};
use natter_protocol::{ConversationDetail, ConversationList, ConversationStatus, ServerFrame};
use reqwest::StatusCode;
use std::time::Duration;

async fn patch(
    app: &TestApp,
    token: &str,
    conv: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/conversations/{conv}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let list: ConversationList = app
        .get_json(&format!("/conversations?{query}"), token)
        .await;
    list.conversations
        .into_iter()
        .map(|c| c.conv_id.0)
        .collect()
}

#[tokio::test]
async fn a_conversation_is_assigned_to_a_member_listed_by_assignee_and_told_live() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let me = app.login_of(&token).await;
    let (colleague_id, colleague) = app.join("demo", "agent", "pw-colleague").await;
    let mut watching = app.staff_socket(&colleague).await;
    let a = app.create_lead("Ana", Some("a")).await;
    let b = app.create_lead("Bo", Some("b")).await;

    // To me: the answer shows it, the colleague's socket hears it.
    let response = patch(
        &app,
        &token,
        &a.conv_id.0,
        serde_json::json!({ "assignee_id": me.id }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let detail: ConversationDetail = response.json().await.unwrap();
    assert_eq!(detail.summary.assignee_id.as_deref(), Some(me.id.as_str()));
    assert_eq!(
        detail.summary.status,
        ConversationStatus::Open,
        "status untouched"
    );
    let heard = loop {
        match tokio::time::timeout(Duration::from_secs(5), watching.next())
            .await
            .expect("a frame")
        {
            frame @ ServerFrame::Assigned { .. } => break frame,
            _ => continue,
        }
    };
    assert_eq!(
        heard,
        ServerFrame::Assigned {
            conv_id: a.conv_id.clone(),
            assignee_id: Some(me.id.clone())
        }
    );

    // Bo's to the colleague, then resolved in the same way (status and assignee at once).
    let response = patch(
        &app,
        &token,
        &b.conv_id.0,
        serde_json::json!({ "assignee_id": colleague_id, "status": "resolved" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);

    // The views, table-driven: (query, expected conversations, newest first).
    let (a_id, b_id) = (a.conv_id.0.clone(), b.conv_id.0.clone());
    for (query, expected) in [
        ("assignee=me", vec![a_id.clone()]),
        (
            &format!("assignee={colleague_id}") as &str,
            vec![b_id.clone()],
        ),
        ("assignee=none", vec![]),
        ("assignee=me&status=open", vec![a_id.clone()]),
        ("assignee=me&status=resolved", vec![]),
        (
            &format!("assignee={colleague_id}&status=resolved"),
            vec![b_id.clone()],
        ),
        ("", vec![b_id.clone(), a_id.clone()]),
    ] {
        assert_eq!(listed(&app, &token, query).await, expected, "{query}");
    }
    // "me" is the caller: the colleague's own view.
    assert_eq!(
        listed(&app, &colleague, "assignee=me").await,
        vec![b_id.clone()]
    );

    // Unassigned with null: in the unassigned view, and told as null.
    let response = patch(
        &app,
        &token,
        &a_id,
        serde_json::json!({ "assignee_id": null }),
    )
    .await;
    let detail: ConversationDetail = response.json().await.unwrap();
    assert_eq!(detail.summary.assignee_id, None);
    assert_eq!(
        listed(&app, &token, "assignee=none").await,
        vec![a_id.clone()]
    );
    let heard = loop {
        match tokio::time::timeout(Duration::from_secs(5), watching.next())
            .await
            .expect("a frame")
        {
            ServerFrame::Assigned {
                conv_id,
                assignee_id,
            } if conv_id == a.conv_id => break assignee_id,
            _ => continue,
        }
    };
    assert_eq!(heard, None);
}

#[tokio::test]
async fn only_a_member_of_the_organization_can_be_assigned() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let stranger = app.other_org("acme").await;
    let stranger_id = app.login_of(&stranger).await.id;
    let lead = app.create_lead("Ana", Some("a")).await;
    let conv = lead.conv_id.0.clone();

    for (what, body, status, code) in [
        (
            "another organization's member",
            serde_json::json!({ "assignee_id": stranger_id }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_assignee_id",
        ),
        (
            "an unknown id",
            serde_json::json!({ "assignee_id": "nobody-here" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_assignee_id",
        ),
        (
            "an array",
            serde_json::json!([null, null]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "a number",
            serde_json::json!({ "assignee_id": 7 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ] {
        let response = patch(&app, &token, &conv, body).await;
        assert_eq!(assert_error(response, status).await, code, "{what}");
    }
    // Another organization's staff cannot touch it; the visitor's token is no staff's.
    let response = patch(
        &app,
        &stranger,
        &conv,
        serde_json::json!({ "assignee_id": null }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = patch(
        &app,
        &lead.visitor_token,
        &conv,
        serde_json::json!({ "assignee_id": null }),
    )
    .await;
    assert!([StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&response.status()));
    // A malformed filter is a 400, not a silent empty list.
    let response = app
        .client
        .get(app.url("/conversations?assignee=a%20b"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_query"
    );

    // A member who leaves leaves their conversations unassigned.
    let (leaver_id, _) = app.join("demo", "agent", "pw-leaver").await;
    let owner = app.join("demo", "owner", "pw-owner").await.1;
    patch(
        &app,
        &token,
        &conv,
        serde_json::json!({ "assignee_id": leaver_id }),
    )
    .await;
    let response = app
        .client
        .delete(app.url(&format!("/staff/{leaver_id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(listed(&app, &token, "assignee=none").await, vec![conv]);
}

#[tokio::test]
async fn a_website_can_assign_new_conversations_in_turn_to_the_members_online() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (agent_id, agent) = app.join("demo", "agent", "pw-agent").await;
    let admin_id = app.login_of(&admin).await.id;
    let assignee_of = async |conv: &natter_protocol::ConvId| {
        app.get_json::<ConversationDetail>(&format!("/conversations/{conv}"), &admin)
            .await
            .summary
            .assignee_id
    };
    // Off by default: nobody is assigned.
    let first = app.create_lead("Ana", Some("hi")).await;
    assert_eq!(assignee_of(&first.conv_id).await, None);

    let enable = serde_json::json!({ "auto_assign": true });
    let response = app
        .client
        .patch(app.url("/accounts/demo"))
        .bearer_auth(&admin)
        .json(&enable)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Nobody online: it stays unassigned.
    let lonely = app.create_lead("Bea", Some("hi")).await;
    assert_eq!(assignee_of(&lonely.conv_id).await, None);

    let mut admin_socket = app.staff_socket(&admin).await;
    let _agent_socket = app.staff_socket(&agent).await;
    let mut assigned = Vec::new();
    for n in 0..4 {
        let lead = app.create_lead(&format!("V{n}"), Some("hello")).await;
        assigned.push(assignee_of(&lead.conv_id).await.expect("assigned"));
        // The inbox hears of the new conversation with its assignee.
        loop {
            if let ServerFrame::ConversationCreated { conversation } = admin_socket.next().await {
                assert_eq!(conversation.conv_id, lead.conv_id);
                assert_eq!(conversation.assignee_id.as_ref(), assigned.last());
                break;
            }
        }
    }
    assert_ne!(assigned[0], assigned[1], "in turn: {assigned:?}");
    assert_eq!(assigned[0], assigned[2]);
    assert_eq!(assigned[1], assigned[3]);
    let mut both = assigned[..2].to_vec();
    both.sort();
    let mut want = vec![admin_id, agent_id];
    want.sort();
    assert_eq!(both, want);
}
