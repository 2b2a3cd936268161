//! Labels: every member labels conversations, owners and admins manage the list; the
//! inbox list and search filter by them; staff sockets hear every change.

use crate::helpers::{TestApp, assert_error, send, spawn_app};
use natter_protocol::{
    ConversationDetail, ConversationList, Label, LabelList, LeadCreated, SearchResults, ServerFrame,
};
use reqwest::{Method, StatusCode};

async fn lead(app: &TestApp, message: &str) -> LeadCreated {
    let response = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .json(&serde_json::json!({ "name": "Vera", "message": message }))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

#[tokio::test]
async fn members_label_conversations_and_filter_by_label() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (_, agent) = app.join("demo", "agent", "pw-agent").await;
    let stranger = app.other_org("acme").await;
    let billing = lead(&app, "wrong invoice amount").await;
    let other = lead(&app, "invoice question").await;
    let mut watcher = app.staff_socket(&admin).await;

    // An agent labels: new names join the list with a colour; capitals are lowered.
    let path = format!("/conversations/{}/labels", billing.conv_id);
    let body = serde_json::json!(["Billing", "vip", "billing"]);
    let response = send(&app, Method::PUT, &path, &agent, Some(body)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let detail: ConversationDetail = response.json().await.unwrap();
    assert_eq!(detail.summary.labels, ["billing", "vip"]);
    loop {
        if let ServerFrame::Labeled { conv_id, labels } = watcher.next().await {
            assert_eq!(
                (conv_id, labels),
                (
                    billing.conv_id.clone(),
                    vec!["billing".to_owned(), "vip".to_owned()]
                )
            );
            break;
        }
    }
    let list: LabelList = app.get_json("/labels", &agent).await;
    let names: Vec<&str> = list.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["billing", "vip"]);
    assert!(
        list.labels
            .iter()
            .all(|l| l.color.len() == 7 && l.color.starts_with('#'))
    );
    let foreign: LabelList = app.get_json("/labels", &stranger).await;
    assert!(foreign.labels.is_empty());

    // The list and search filter by label; the detail carries them.
    let labeled: ConversationList = app.get_json("/conversations?label=BILLING", &agent).await;
    let ids: Vec<_> = labeled
        .conversations
        .iter()
        .map(|c| c.conv_id.clone())
        .collect();
    assert_eq!(ids, std::slice::from_ref(&billing.conv_id));
    assert_eq!(labeled.conversations[0].labels, ["billing", "vip"]);
    let found: SearchResults = app
        .get_json("/search?q=invoice&label=billing", &agent)
        .await;
    assert_eq!(found.results.len(), 1);
    assert_eq!(found.results[0].conv_id, billing.conv_id);
    let found: SearchResults = app.get_json("/search?q=invoice", &agent).await;
    assert_eq!(found.results.len(), 2);
    let detail: ConversationDetail = app
        .get_json(&format!("/conversations/{}", other.conv_id), &agent)
        .await;
    assert!(detail.summary.labels.is_empty());

    // Owners and admins recolour and delete; deleting takes it off conversations.
    let recolour = serde_json::json!({ "color": "#112233" });
    let response = send(
        &app,
        Method::PATCH,
        "/labels/vip",
        &agent,
        Some(recolour.clone()),
    )
    .await;
    assert_error(response, StatusCode::FORBIDDEN).await;
    let response = send(&app, Method::PATCH, "/labels/vip", &admin, Some(recolour)).await;
    assert_eq!(response.json::<Label>().await.unwrap().color, "#112233");
    let new = serde_json::json!({ "name": "refund", "color": "#AABBCC" });
    let response = send(&app, Method::POST, "/labels", &admin, Some(new.clone())).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.json::<Label>().await.unwrap().color, "#aabbcc");
    let again = send(&app, Method::POST, "/labels", &admin, Some(new)).await;
    assert_error(again, StatusCode::CONFLICT).await;
    let response = send(&app, Method::DELETE, "/labels/billing", &admin, None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let detail: ConversationDetail = app
        .get_json(&format!("/conversations/{}", billing.conv_id), &agent)
        .await;
    assert_eq!(detail.summary.labels, ["vip"]);
    let missing = send(&app, Method::DELETE, "/labels/billing", &admin, None).await;
    assert_error(missing, StatusCode::NOT_FOUND).await;

    // No labels: an empty array.
    let response = send(
        &app,
        Method::PUT,
        &path,
        &agent,
        Some(serde_json::json!([])),
    )
    .await;
    assert!(
        response
            .json::<ConversationDetail>()
            .await
            .unwrap()
            .summary
            .labels
            .is_empty()
    );
}

#[tokio::test]
async fn labels_are_validated_and_kept_in_their_organization() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let stranger = app.other_org("acme").await;
    let lead = lead(&app, "hello").await;
    let path = format!("/conversations/{}/labels", lead.conv_id);
    let eleven: Vec<String> = (0..11).map(|n| format!("l{n}")).collect();
    let cases: Vec<(serde_json::Value, StatusCode)> = vec![
        (serde_json::json!(["a b"]), StatusCode::UNPROCESSABLE_ENTITY),
        (serde_json::json!(["-x"]), StatusCode::UNPROCESSABLE_ENTITY),
        (serde_json::json!([""]), StatusCode::UNPROCESSABLE_ENTITY),
        (serde_json::json!(eleven), StatusCode::UNPROCESSABLE_ENTITY),
        (
            serde_json::json!({ "labels": ["x"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (serde_json::json!([1]), StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (body, status) in cases {
        let response = send(&app, Method::PUT, &path, &admin, Some(body.clone())).await;
        assert_eq!(response.status(), status, "{body}");
        assert_error(response, status).await;
    }
    let foreign = send(
        &app,
        Method::PUT,
        &path,
        &stranger,
        Some(serde_json::json!(["x"])),
    )
    .await;
    assert_error(foreign, StatusCode::NOT_FOUND).await;
    let visitor = send(
        &app,
        Method::PUT,
        &path,
        &lead.visitor_token,
        Some(serde_json::json!(["x"])),
    )
    .await;
    assert_error(visitor, StatusCode::FORBIDDEN).await;
    let bad_color = serde_json::json!({ "name": "ok", "color": "red" });
    let response = send(&app, Method::POST, "/labels", &admin, Some(bad_color)).await;
    assert_eq!(
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_color"
    );
    let list: ConversationList = app.get_json("/conversations?label=nothing", &admin).await;
    assert!(list.conversations.is_empty());
    let response = app
        .client
        .get(app.url("/conversations?label=a%20b"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::BAD_REQUEST).await;
}
