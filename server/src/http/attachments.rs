//! Attachments: `POST /conversations/{conv_id}/attachments` (multipart, one `file`
//! part) and the signed downloads `GET /attachments/{id}` and `/attachments/{id}/thumbnail`.

use crate::auth::Principal;
use crate::chat;
use crate::files::{self, Variant};
use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::extract::ClientIp;
use crate::http::responses::{
    BadRequest, Busy, Forbidden, NotFound, PayloadTooLarge, RateLimited, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use natter_protocol::Uploaded;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/conversations/{conv_id}/attachments",
            // The file's own limit is enforced while it is read (`upload`).
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/attachments/{id}", get(download))
        .route("/attachments/{id}/thumbnail", get(thumbnail))
}

/// What a multipart body beyond the file may take (boundaries, part headers).
const MULTIPART_SLACK: u64 = 16 * 1024;

/// The upload form: one part named `file`, whose file name is kept (without any
/// directory).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads a file into a conversation (its visitor or its organization's staff), to be
/// sent by naming its id in a message's `attachment_ids`. The type is decided by the
/// content: images (PNG, JPEG, GIF, WebP), PDF, plain text, CSV, office documents and
/// ZIP; SVG and HTML are kept but only ever downloaded. The same bytes and name
/// uploaded again before being sent answer the first upload (200).
#[utoipa::path(post, path = "/api/v1/conversations/{conv_id}/attachments", tag = "attachments",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("visitor" = []), ("staff" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The file, stored", body = Uploaded),
        (status = 200, description = "The same file uploaded earlier and not sent yet", body = Uploaded),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = RateLimited),
    ))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    Path(conv_id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Uploaded>)> {
    let max = state.settings.files.max_bytes();
    let too_large = || ApiError::FileTooLarge {
        max_mb: state.settings.files.max_attachment_mb,
    };
    // A request that says it is too large is refused before any of it is read.
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > max.saturating_add(MULTIPART_SLACK)) {
        return Err(too_large());
    }
    // Access first, so that nobody spends a quota on a conversation they cannot open.
    chat::access::conversation(&state, &principal, &conv_id).await?;
    if let Principal::Visitor(visitor) = &principal {
        let limits = &state.settings.limits;
        state
            .limiter
            .check("upload", &visitor.id, limits.rate_uploads)
            .await?;
        state
            .limiter
            .check("upload_ip", &ip.to_string(), limits.rate_uploads_per_ip)
            .await?;
    }
    let mut multipart = multipart.map_err(|e| ApiError::UnsupportedMediaType {
        message: format!("expected a multipart/form-data body with a `file` part: {e}"),
    })?;
    let malformed = |e: axum::extract::multipart::MultipartError| {
        ApiError::bad_request("bad_body", e.body_text())
    };
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if (bytes.len() + chunk.len()) as u64 > max {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        let (uploaded, created) =
            chat::attachments::upload(&state, &principal, &conv_id, &name, bytes.into()).await?;
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        return Ok((status, Json(uploaded)));
    }
    Err(ApiError::Invalid {
        code: "missing_file".into(),
        message: "the body has no part named `file`".into(),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Signed {
    /// When the link expires (seconds since the Unix epoch), as signed.
    exp: i64,
    /// The server's signature of the attachment, the variant and `exp`.
    sig: String,
}

/// An attachment, through the signed URL a message carries (no token: it works in
/// `<img>` and links). Images are shown inline; every other type downloads.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = String, Path, description = "The attachment"), Signed),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(signed): Query<Signed>,
) -> ApiResult<Response> {
    let file =
        chat::attachments::open(&state, &id, Variant::Original, signed.exp, &signed.sig).await?;
    Ok(serve(file))
}

/// An image attachment's thumbnail (at most 480 px a side, re-encoded without the
/// original's metadata); 503 with `Retry-After` while it is being made.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/thumbnail", tag = "attachments",
    params(("id" = String, Path, description = "The attachment"), Signed),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/jpeg", body = Vec<u8>),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = Busy),
    ))]
pub(crate) async fn thumbnail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(signed): Query<Signed>,
) -> ApiResult<Response> {
    let file =
        chat::attachments::open(&state, &id, Variant::Thumbnail, signed.exp, &signed.sig).await?;
    Ok(serve(file))
}

/// The bytes with the headers that keep them inert: only raster images are shown
/// inline; SVG and HTML are labelled as bytes and downloaded; nothing is sniffed,
/// and a document opened anyway runs sandboxed with nothing allowed.
fn serve(file: chat::attachments::Download) -> Response {
    let inline = files::inline(&file.content_type);
    let active = matches!(file.content_type.as_str(), "image/svg+xml" | "text/html");
    let content_type = if active {
        "application/octet-stream".to_owned()
    } else if file.content_type.starts_with("text/") {
        format!("{}; charset=utf-8", file.content_type)
    } else {
        file.content_type.clone()
    };
    let size = file.body.meta.size;
    let disposition = files::content_disposition(inline, &file.name);
    let mut response = Body::from_stream(file.body.into_stream()).into_response();
    let headers = response.headers_mut();
    let mut set = |name, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, content_type);
    set(header::CONTENT_LENGTH, size.to_string());
    set(header::CONTENT_DISPOSITION, disposition);
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox".into(),
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff".into());
    // The widget shows images on the customers' pages.
    set(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "cross-origin".into(),
    );
    // The URL is signed and the bytes never change: browsers may keep them.
    set(header::CACHE_CONTROL, "private, max-age=3600".into());
    response
}
