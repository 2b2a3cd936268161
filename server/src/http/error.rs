//! The one error type of the HTTP layer. Every failure becomes
//! `{"error":{"code","message"}}` with a fitting 4xx; 5xx details are logged, never sent.

use crate::store::StoreError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use natter_protocol::error_code;
use natter_protocol::validate::Invalid;
use natter_protocol::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    /// Also the answer when a caller may not know whether the thing exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Something that existed and is used up or expired (410).
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("the file is larger than the limit of {max_mb} MB")]
    FileTooLarge { max_mb: u64 },
    #[error("{message}")]
    UnsupportedMediaType { message: String },
    #[error("{message}")]
    Invalid { code: String, message: String },
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The server is at capacity for this kind of work (503 with `Retry-After`).
    #[error("the server is busy; retry in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A server Natter talks to (the SMTP server) refused: its words in `message`.
    #[error("{message}")]
    Upstream { code: &'static str, message: String },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Gone { .. } => StatusCode::GONE,
            Self::PayloadTooLarge | Self::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Upstream { .. } => StatusCode::BAD_GATEWAY,
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> String {
        match self {
            Self::BadRequest { code, .. }
            | Self::Conflict { code, .. }
            | Self::Gone { code, .. }
            | Self::Upstream { code, .. } => (*code).to_owned(),
            Self::Invalid { code, .. } => code.clone(),
            Self::Unauthorized(_) => error_code::UNAUTHORIZED.into(),
            Self::Forbidden(_) => error_code::FORBIDDEN.into(),
            Self::NotFound(_) => error_code::NOT_FOUND.into(),
            Self::PayloadTooLarge => error_code::PAYLOAD_TOO_LARGE.into(),
            Self::FileTooLarge { .. } => "file_too_large".into(),
            Self::UnsupportedMediaType { .. } => error_code::UNSUPPORTED_MEDIA_TYPE.into(),
            Self::RateLimited { .. } => error_code::RATE_LIMITED.into(),
            Self::MethodNotAllowed => error_code::METHOD_NOT_ALLOWED.into(),
            Self::Busy { .. } => error_code::BUSY.into(),
            Self::Internal(_) => error_code::INTERNAL.into(),
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        crate::telemetry::error(&self.code());
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let Self::RateLimited { retry_after_secs } | Self::Busy { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Self::Invalid {
            code: format!("invalid_{}", invalid.field),
            message: invalid.message,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::IdempotencyConflict => Self::Conflict {
                code: error_code::CLIENT_MSG_ID_CONFLICT,
                message: "this client_msg_id was already used for a different message".into(),
            },
            StoreError::NotFound => Self::NotFound("resource"),
            StoreError::AttachmentsRefused => Self::Invalid {
                code: "invalid_attachment_ids".into(),
                message: "each attachment must be one you uploaded to this conversation and \
                          have not sent yet"
                    .into(),
            },
            StoreError::AlreadyExists(what) => Self::Conflict {
                code: error_code::ALREADY_EXISTS,
                message: format!("that {what} already exists"),
            },
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Self::Invalid {
                code: error_code::INVALID_BODY.into(),
                message: e.body_text(),
            },
            JsonRejection::JsonSyntaxError(e) => {
                Self::bad_request(error_code::MALFORMED_JSON, e.body_text())
            }
            JsonRejection::MissingJsonContentType(_) => Self::UnsupportedMediaType {
                message: "expected a body with Content-Type: application/json".into(),
            },
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            other => Self::bad_request(error_code::BAD_BODY, other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(error_code::INVALID_QUERY, rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(error_code::INVALID_PATH, rejection.body_text())
    }
}

/// `axum::Json`, whose rejections are [`ApiError`]s, for bodies that are JSON objects
/// (every request body of this API but [`JsonArray`]'s): serde would also read a
/// struct from an array, and a struct of options from `[null, null]`.
pub struct Json<T>(pub T);

/// A body that must be a JSON array (a conversation's labels).
pub struct JsonArray<T>(pub T);

/// Reads a JSON body whose first character is `opening`, as `what`.
async fn json_body<T: serde::de::DeserializeOwned, S: Send + Sync>(
    req: axum::extract::Request,
    state: &S,
    opening: char,
    what: &str,
) -> Result<T, ApiError> {
    let axum::Json(raw) =
        axum::Json::<Box<serde_json::value::RawValue>>::from_request(req, state).await?;
    let invalid = |message: String| ApiError::Invalid {
        code: error_code::INVALID_BODY.into(),
        message,
    };
    if !raw.get().trim_start().starts_with(opening) {
        return Err(invalid(format!("the body must be a JSON {what}")));
    }
    serde_json::from_str(raw.get()).map_err(|e| invalid(e.to_string()))
}

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        json_body(req, state, '{', "object").await.map(Json)
    }
}

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonArray<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        json_body(req, state, '[', "array").await.map(JsonArray)
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query`, whose rejections are [`ApiError`]s.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path`, whose rejections are [`ApiError`]s.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

pub type ApiResult<T> = Result<T, ApiError>;
