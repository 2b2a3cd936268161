//! The first run: a new install without `--demo` logs a one-time setup URL; its token
//! creates the organization, its owner and its first website, once.

use crate::backend::TestDb;
use crate::helpers::{TestApp, assert_error, spawn_app, spawn_app_on};
use natter_protocol::SetupResponse;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn fresh_install() -> (TestApp, String) {
    let app = spawn_app_on(TestDb::empty().await, |s| s.demo = false).await;
    let url = app
        .setup_url
        .clone()
        .expect("a fresh install logs a setup URL");
    let token = url
        .split_once("/setup?token=")
        .map(|(_, t)| t.to_owned())
        .expect("the URL carries the token");
    assert!(url.starts_with(&app.base), "{url} is this server's");
    (app, token)
}

fn request(token: &str) -> Value {
    json!({
        "token": token,
        "organization": "Acme Shop",
        "name": "Ana Owner",
        "email": "Ana@Acme.example",
        "password": "correct horse",
        "website": {"name": "Acme Store", "origin": "https://shop.acme.example/"},
    })
}

async fn post_setup(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/setup"))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn page_status(app: &TestApp, token: &str) -> StatusCode {
    let url = format!("{}/setup?token={token}", app.base);
    app.client.get(url).send().await.unwrap().status()
}

#[tokio::test]
async fn the_setup_token_creates_the_owner_and_website_once() {
    let (app, token) = fresh_install().await;
    assert_eq!(page_status(&app, "wrong").await, StatusCode::FORBIDDEN);
    let page = app
        .client
        .get(format!("{}/setup?token={token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("Welcome to Natter"));

    let code = assert_error(
        post_setup(&app, &request("wrong")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(code, "forbidden");

    let created = post_setup(&app, &request(&token)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: SetupResponse = created.json().await.unwrap();
    assert_eq!(created.org_id, "acme-shop");
    assert_eq!(created.account_id, "acme-store");
    assert_eq!(created.staff.role, "owner");
    assert_eq!(created.staff.email, "ana@acme.example");
    assert!(
        created
            .snippet
            .contains(&format!("src=\"{}/embed.js\"", app.base))
            && created.snippet.contains("data-org=\"acme-shop\"")
            && created.snippet.contains("data-account=\"acme-store\""),
        "{}",
        created.snippet
    );

    // The owner is signed in, and can also sign in with the password.
    let list = app
        .client
        .get(app.url("/conversations"))
        .bearer_auth(&created.token)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    app.login("ana@acme.example", "correct horse").await;

    // The website answers the origin given during setup, and only that one.
    let config = |origin: &'static str| {
        app.client
            .get(app.url("/widget/acme-shop/acme-store/config"))
            .header("origin", origin)
            .send()
    };
    assert_eq!(
        config("https://shop.acme.example").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        config("https://evil.example").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    // The token dies with its first use; setup is gone.
    let code = assert_error(
        post_setup(&app, &request(&token)).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "already_set_up");
    assert_eq!(page_status(&app, &token).await, StatusCode::NOT_FOUND);

    // A restart on the same database prints no setup URL.
    let app = app.restart().await;
    assert_eq!(app.setup_url, None);
    assert_eq!(page_status(&app, &token).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_field_is_checked_before_anything_is_created() {
    let (app, token) = fresh_install().await;
    for (pointer, value, code) in [
        ("/organization", "  ", "invalid_organization"),
        ("/name", "", "invalid_name"),
        ("/email", "ana", "invalid_email"),
        ("/password", "short", "invalid_password"),
        ("/website/name", "", "invalid_website_name"),
        ("/website/origin", "shop.acme.example", "invalid_origin"),
        (
            "/website/origin",
            "https://shop.acme.example/cart",
            "invalid_origin",
        ),
        (
            "/website/origin",
            "ftp://shop.acme.example",
            "invalid_origin",
        ),
    ] {
        let mut body = request(&token);
        *body.pointer_mut(pointer).unwrap() = value.into();
        let got = assert_error(
            post_setup(&app, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(got, code, "{pointer} = {value:?}");
    }
    let missing = json!({"token": token});
    assert_error(
        post_setup(&app, &missing).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // Nothing was created: the token still works.
    let created = post_setup(&app, &request(&token)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn two_setups_at_once_make_one_owner() {
    let (app, token) = fresh_install().await;
    let body = request(&token);
    let (a, b) = tokio::join!(post_setup(&app, &body), post_setup(&app, &body));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
}

#[tokio::test]
async fn an_install_with_staff_has_no_setup() {
    let app = spawn_app().await;
    assert_eq!(app.setup_url, None, "the demo has a way in");
    let code = assert_error(
        post_setup(&app, &request("anything")).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "already_set_up");
    assert_eq!(page_status(&app, "anything").await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_created_elsewhere_closes_setup() {
    let (app, token) = fresh_install().await;
    // Another instance (or `natter admin`) finished the first run meanwhile.
    let other = app.another_instance(|_| {}).await;
    let other_token = other.setup_url.clone().unwrap();
    let other_token = other_token.split_once("token=").unwrap().1;
    assert_ne!(other_token, token, "each instance logs its own token");
    assert_eq!(
        post_setup(&other, &request(other_token)).await.status(),
        StatusCode::CREATED
    );
    let code = assert_error(
        post_setup(&app, &request(&token)).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "already_set_up");
    assert_eq!(page_status(&app, &token).await, StatusCode::NOT_FOUND);
}
