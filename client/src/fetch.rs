//! The API over the browser's `fetch` (through `gloo-net`), as both UIs call it. Bodies
//! are written and read by the browser's JSON (see [`crate::json`]).

use crate::json;
pub use gloo_net::http::Method;
use gloo_net::http::{RequestBuilder, Response};
use natter_protocol::ErrorBody;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer at all: offline, DNS, CORS, or the server is down. Worth retrying.
    Network,
    /// The server answered with an error status, and the `code` and `message` of its
    /// `{"error":{…}}` body (empty if it sent none).
    Status {
        status: u16,
        code: String,
        message: String,
    },
}

/// Sends `method url` with an optional JSON body and bearer token; the response when
/// its status is 2xx.
pub async fn send<B: Serialize>(
    method: Method,
    url: &str,
    body: Option<&B>,
    token: Option<&str>,
) -> Result<Response, FetchError> {
    let mut request = RequestBuilder::new(url).method(method);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => {
            let text = json::stringify(body).ok_or(FetchError::Network)?;
            request
                .header("Content-Type", "application/json")
                .body(text)
        }
        None => request.build(),
    };
    let response = request
        .map_err(|_| FetchError::Network)?
        .send()
        .await
        .map_err(|_| FetchError::Network)?;
    checked(response).await
}

/// The response when its status is 2xx; else the `code` and `message` of its error body.
pub async fn checked(response: Response) -> Result<Response, FetchError> {
    if response.ok() {
        return Ok(response);
    }
    let (code, message) = response
        .text()
        .await
        .ok()
        .and_then(|body| json::parse::<ErrorBody>(&body))
        .map(|e| (e.error.code, e.error.message))
        .unwrap_or_default();
    Err(FetchError::Status {
        status: response.status(),
        code,
        message,
    })
}

/// The body as JSON. An empty body (204) reads as `null`, which `()` accepts.
pub async fn json<T: DeserializeOwned>(response: Response) -> Result<T, FetchError> {
    let body = response.text().await.map_err(|_| FetchError::Network)?;
    let body = if body.is_empty() { "null" } else { &body };
    json::parse(body).ok_or_else(|| FetchError::Status {
        status: response.status(),
        code: natter_protocol::error_code::BAD_BODY.into(),
        message: "The server's answer could not be read.".into(),
    })
}
