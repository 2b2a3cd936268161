//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers'
//! `#[utoipa::path]` annotations and the protocol's schemas, served at
//! `/api/openapi.json`. `scripts/schemathesis.sh` checks the live server against it.

use crate::http::{accounts, auth, conversations, health, setup, widget};
use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use natter_protocol::ErrorBody;
use std::sync::LazyLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder,
    ResponsesBuilder,
};
use utoipa::{Modify, OpenApi, PartialSchema, ToResponse, ToSchema};

pub const PATH: &str = "/api/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Natter API",
        description = "Natter's HTTP API. Every error is `{\"error\":{\"code\",\"message\"}}`; \
                       docs/API.md describes the codes and the WebSocket protocol."
    ),
    paths(
        widget::config,
        widget::create_lead,
        auth::login,
        auth::logout,
        setup::complete,
        accounts::list,
        accounts::detail,
        accounts::update,
        conversations::list,
        conversations::detail,
        conversations::update,
        conversations::history,
        conversations::post_message,
        conversations::post_reply,
        conversations::mark_read,
        health::healthz,
        health::readyz,
        health::metrics,
        document,
    ),
    components(schemas(ErrorBody), responses(
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        RateLimited,
        Busy
    )),
    modifiers(&Common),
    tags(
        (name = "widget", description = "What the widget needs before a visitor is known"),
        (name = "auth", description = "Staff sign-in"),
        (name = "setup", description = "The first run of a new install"),
        (name = "accounts", description = "Website accounts: settings, allowed and refused origins"),
        (name = "conversations", description = "Conversations and their messages"),
        (name = "operations", description = "Probes, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// The document, built once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
});

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(document))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document",
        content_type = "application/json", body = Object)))]
async fn document() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

/// An error answer, `{"error":{"code","message"}}`.
fn error(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(ErrorBody::name())))
            .build(),
    )
}

/// The error answers shared by the operations, by status; each names its codes.
macro_rules! error_responses {
    ($($name:ident => $description:literal,)*) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'s> ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                (stringify!($name), error($description).build().into())
            }
        }
    )*};
}

error_responses! {
    BadRequest => "The request cannot be read: `malformed_json`, `bad_body`, `invalid_query`, \
                   `invalid_cursor` or `invalid_path`.",
    Unauthorized => "`unauthorized`: no token, a malformed Authorization header, an unknown or \
                     expired token, or wrong credentials.",
    Forbidden => "`forbidden`: a token of the wrong kind for this endpoint, a browser \
                  `Origin` the website account does not allow, or a wrong setup token.",
    NotFound => "`not_found`: an unknown id, or something the caller may not see.",
    Conflict => "`client_msg_id_conflict`: the `client_msg_id` was already used for a \
                 different message; `already_set_up`: setup is over, someone can sign in.",
    PayloadTooLarge => "`payload_too_large`: a body over 64 KiB.",
    UnsupportedMediaType => "`unsupported_media_type`: a body without \
                             `Content-Type: application/json`.",
    Unprocessable => "Well-formed but invalid input: `invalid_body`, or `invalid_<field>` \
                      (`invalid_name`, `invalid_email`, `invalid_phone`, `invalid_text`, \
                      `invalid_client_msg_id`, `invalid_page_url`, and for setup `invalid_organization`, \
                      `invalid_password`, `invalid_website_name`, `invalid_origin`; for accounts \
                      `invalid_greeting`, `invalid_theme_color`, `invalid_allowed_origins`).",
}

/// `rate_limited`, with the seconds to wait in `Retry-After`.
pub struct RateLimited;

impl<'s> ToResponse<'s> for RateLimited {
    fn response() -> (&'s str, RefOr<Response>) {
        let response = retry_later(
            "`rate_limited`: too many requests; retry after `Retry-After` seconds.",
            "Seconds until the next request may succeed",
        );
        ("RateLimited", response)
    }
}

/// An error answer with a `Retry-After` header.
fn retry_later(what: &str, header: &str) -> RefOr<Response> {
    let retry_after = HeaderBuilder::new()
        .schema(u64::schema())
        .description(Some(header))
        .build();
    error(what)
        .header("Retry-After", retry_after)
        .build()
        .into()
}

/// `busy`: the server is at capacity for this work; retry after `Retry-After` seconds.
pub struct Busy;

impl<'s> ToResponse<'s> for Busy {
    fn response() -> (&'s str, RefOr<Response>) {
        let response = retry_later(
            "`busy`: the server is at capacity; retry after `Retry-After` seconds.",
            "Seconds after which to try again",
        );
        ("Busy", response)
    }
}

/// What the annotations do not say one by one: the bearer schemes, and the 408
/// that the request timeout can answer on any operation.
struct Common;

impl Modify for Common {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, kind) in [("staff", "ns_"), ("visitor", "nv_")] {
            let scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(format!(
                    "A {name} token, `{kind}…`: `Authorization: Bearer <token>`"
                )))
                .build();
            components.add_security_scheme(name, SecurityScheme::Http(scheme));
        }
        let timeout = ResponsesBuilder::new()
            .response(
                "408",
                ResponseBuilder::new().description("The request did not finish in time"),
            )
            .build();
        for item in doc.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                operation
                    .responses
                    .responses
                    .extend(timeout.responses.clone());
            }
        }
    }
}
