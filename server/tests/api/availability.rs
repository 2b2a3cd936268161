//! When a team answers: a staff member's away toggle (live for visitors, and it lets
//! email alerts go out) and a website's business hours in the widget's config.

use crate::helpers::{TestApp, assert_error, spawn_app};
use natter_protocol::{AccountSettings, Availability};
use reqwest::StatusCode;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(300);

async fn set_away(app: &TestApp, token: &str, away: bool) -> Availability {
    let response = app
        .client
        .put(app.url("/me/availability"))
        .bearer_auth(token)
        .json(&Availability { away })
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn away_staff_are_not_online_for_visitors_and_it_outlives_the_socket() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let mut visitor = app.visitor_socket().await;
    let inbox = app.staff_socket(&token).await;
    assert_eq!(visitor.next_presence(WAIT).await, Some(true));
    assert!(app.widget_config().await.staff_online);

    assert_eq!(
        set_away(&app, &token, true).await,
        Availability { away: true }
    );
    assert_eq!(visitor.next_presence(WAIT).await, Some(false), "live");
    assert!(!app.widget_config().await.staff_online);
    let stored: Availability = app.get_json("/me/availability", &token).await;
    assert!(stored.away);

    // A new inbox socket of an away member does not bring the team online.
    drop(inbox);
    let inbox = app.staff_socket(&token).await;
    assert_eq!(visitor.next_presence(QUIET).await, None);
    assert!(!app.widget_config().await.staff_online);

    set_away(&app, &token, false).await;
    assert_eq!(visitor.next_presence(WAIT).await, Some(true));
    drop(inbox);
    assert_eq!(visitor.next_presence(WAIT).await, Some(false));
}

async fn patch_hours(app: &TestApp, token: &str, body: serde_json::Value) -> reqwest::Response {
    app.client
        .patch(app.url("/accounts/demo"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn business_hours_decide_whether_the_widget_says_open() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let config = app.widget_config().await;
    assert!(
        config.open_now && config.open_changes_in_secs.is_none(),
        "always, by default"
    );

    // A schedule with no open span: closed, and nothing to wait for.
    let closed = serde_json::json!({
        "business_hours": { "type": "weekly", "timezone": "Asia/Ho_Chi_Minh", "days": [] },
        "hide_when_closed": true,
    });
    let response = patch_hours(&app, &token, closed).await;
    assert_eq!(response.status(), StatusCode::OK);
    let settings: AccountSettings = response.json().await.unwrap();
    assert!(settings.hide_when_closed);
    let config = app.widget_config().await;
    assert!(!config.open_now && config.hide_when_closed);
    assert_eq!(config.open_changes_in_secs, None);

    // Every day, all day: open, until the week's end of the spans it knows.
    let days: Vec<_> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| serde_json::json!({ "day": d, "open": "00:00", "close": "24:00" }))
        .collect();
    let open = serde_json::json!({
        "business_hours": { "type": "weekly", "timezone": "Europe/Paris", "days": days },
    });
    assert_eq!(
        patch_hours(&app, &token, open).await.status(),
        StatusCode::OK
    );
    let config = app.widget_config().await;
    assert!(config.open_now);
    assert!(config.open_changes_in_secs.is_some_and(|s| s > 24 * 3600));

    for bad in [
        serde_json::json!({ "type": "weekly", "timezone": "Mars/Olympus", "days": [] }),
        serde_json::json!({ "type": "weekly", "timezone": "UTC",
            "days": [{ "day": "mon", "open": "17:00", "close": "09:00" }] }),
    ] {
        let response =
            patch_hours(&app, &token, serde_json::json!({ "business_hours": bad })).await;
        assert_eq!(
            assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_business_hours"
        );
    }
    let always = serde_json::json!({ "business_hours": { "type": "always" } });
    assert_eq!(
        patch_hours(&app, &token, always).await.status(),
        StatusCode::OK
    );
    assert!(app.widget_config().await.open_now);
}
