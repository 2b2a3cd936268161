//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers'
//! `#[utoipa::path]` annotations and the protocol's schemas, served at
//! `/api/openapi.json`. `scripts/schemathesis.sh` checks the live server against it.

use super::responses::{
    BadGateway, BadRequest, Busy, Conflict, Forbidden, Gone, NotFound, PayloadTooLarge,
    RateLimited, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use super::{
    accounts, api_tokens, attachments, auth, canned, conversations, health, labels, links, mail,
    notes, push, search, setup, team, visitors, webhooks, widget,
};
use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use natter_protocol::ErrorBody;
use std::sync::LazyLock;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Required, ResponseBuilder, ResponsesBuilder};
use utoipa::{Modify, OpenApi};

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
        widget::identify,
        links::open,
        links::unsubscribe,
        auth::login,
        auth::logout,
        setup::complete,
        accounts::list,
        accounts::detail,
        accounts::update,
        accounts::create,
        accounts::delete,
        accounts::rotate_identity_secret,
        team::list,
        team::update,
        team::remove,
        team::invite,
        team::accept,
        team::me,
        team::update_me,
        team::change_password,
        team::end_other_sessions,
        team::availability,
        team::set_availability,
        team::notifications,
        team::set_notifications,
        mail::status,
        mail::test,
        mail::failures,
        push::vapid_public_key,
        push::subscribe,
        push::unsubscribe,
        canned::list,
        canned::create,
        canned::update,
        canned::remove,
        conversations::list,
        conversations::detail,
        conversations::update,
        conversations::history,
        conversations::post_message,
        conversations::post_reply,
        conversations::mark_read,
        conversations::transcript,
        conversations::delete_message,
        conversations::email_transcript,
        notes::create,
        notes::list,
        attachments::upload,
        attachments::download,
        attachments::thumbnail,
        labels::list,
        labels::create,
        labels::update,
        labels::remove,
        labels::set,
        search::search,
        webhooks::list,
        webhooks::create,
        webhooks::update,
        webhooks::remove,
        webhooks::deliveries,
        webhooks::redeliver,
        webhooks::test,
        api_tokens::list,
        api_tokens::create,
        api_tokens::revoke,
        visitors::export,
        visitors::erase,
        visitors::retention,
        visitors::set_retention,
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
        Gone,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        RateLimited,
        Busy,
        BadGateway
    )),
    modifiers(&Common),
    tags(
        (name = "widget", description = "What the widget needs before a visitor is known"),
        (name = "auth", description = "Staff sign-in"),
        (name = "setup", description = "The first run of a new install"),
        (name = "accounts", description = "Website accounts: settings, allowed and refused origins"),
        (name = "team", description = "The organization's members, their roles, and each one's profile"),
        (name = "conversations", description = "Conversations and their messages"),
        (name = "notes", description = "Internal notes: staff only, never the visitor"),
        (name = "visitors", description = "A visitor's data rights: export, erasure and retention"),
        (name = "attachments", description = "Files sent with messages: uploads and signed downloads"),
        (name = "labels", description = "Labels: the organization's list and each conversation's"),
        (name = "integrations", description = "Signed webhooks and API tokens (owners and admins)"),
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
        // A conversation's labels are a bare JSON array, whose items' rule the handler's
        // annotation cannot state.
        if let Some(put) = doc
            .paths
            .paths
            .get_mut("/api/v1/conversations/{conv_id}/labels")
            .and_then(|item| item.put.as_mut())
        {
            let name = ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"))
                .max_length(Some(32));
            let names = ArrayBuilder::new().items(name).max_items(Some(10));
            put.request_body = Some(
                RequestBodyBuilder::new()
                    .description(Some(
                        "Every label the conversation carries, by name (`[]`: none); at most 10",
                    ))
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(names)).build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            );
        }
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
