//! The error answers the operations share in the OpenAPI document, by status: each
//! names the codes `ApiError` answers with.

use natter_protocol::ErrorBody;
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{PartialSchema, ToResponse, ToSchema};

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
                  `Origin` the website account does not allow, a wrong setup token, a role that \
                  does not grant the change, or a wrong current password.",
    NotFound => "`not_found`: an unknown id, or something the caller may not see.",
    Conflict => "`client_msg_id_conflict`: the `client_msg_id` was already used for a \
                 different message; `already_set_up`: setup is over, someone can sign in; \
                 `last_owner`: the change would leave the organization without an owner; \
                 `no_identity_secret`: identity required before a secret exists; `email_off`: \
                 no SMTP server is configured.",
    Gone => "`link_used`: the chat link was already used (it works once); `link_expired`: \
             it is past its expiry.",
    PayloadTooLarge => "`payload_too_large`: a body over 64 KiB.",
    BadGateway => "`smtp_failed`: the SMTP server refused or could not be reached; the \
                   message is its own answer, verbatim.",
    UnsupportedMediaType => "`unsupported_media_type`: a body without \
                             `Content-Type: application/json`.",
    Unprocessable => "Well-formed but invalid input: `invalid_body`, or `invalid_<field>` \
                      (`invalid_name`, `invalid_email`, `invalid_phone`, `invalid_text`, \
                      `invalid_client_msg_id`, `invalid_page_url`, and for setup `invalid_organization`, \
                      `invalid_password`, `invalid_website_name`, `invalid_origin`; for accounts \
                      `invalid_greeting`, `invalid_theme_color`, `invalid_allowed_origins`; for a \
                      password change `invalid_new_password`).",
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
