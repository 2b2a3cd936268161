//! The API over the browser's `fetch`, as both UIs call it (no HTTP crate: it would
//! only add weight to the widget, which loads on other people's pages).

use natter_protocol::ErrorBody;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

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

fn network(_: JsValue) -> FetchError {
    FetchError::Network
}

/// Sends `method url` with an optional JSON body and bearer token; the response when
/// its status is 2xx.
pub async fn send<B: Serialize>(
    method: &str,
    url: &str,
    body: Option<&B>,
    token: Option<&str>,
) -> Result<Response, FetchError> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let text = serde_json::to_string(body).map_err(|_| FetchError::Network)?;
        init.set_body(&JsValue::from_str(&text));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(network)?;
    let headers = request.headers();
    if body.is_some() {
        headers
            .set("Content-Type", "application/json")
            .map_err(network)?;
    }
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(network)?;
    }
    let window = web_sys::window().ok_or(FetchError::Network)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(JsCast::dyn_into)
        .map_err(network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let (code, message) = match text(&response).await {
        Ok(body) => serde_json::from_str::<ErrorBody>(&body)
            .map(|e| (e.error.code, e.error.message))
            .unwrap_or_default(),
        Err(_) => Default::default(),
    };
    Err(FetchError::Status {
        status,
        code,
        message,
    })
}

async fn text(response: &Response) -> Result<String, FetchError> {
    let promise = response.text().map_err(network)?;
    let value = JsFuture::from(promise).await.map_err(network)?;
    value.as_string().ok_or(FetchError::Network)
}

/// The body as JSON. An empty body (204) reads as `null`, which `()` accepts.
pub async fn json<T: DeserializeOwned>(response: Response) -> Result<T, FetchError> {
    let body = text(&response).await?;
    let body = if body.is_empty() { "null" } else { &body };
    // The parser's own message is left out: formatting it would weigh on the widget.
    serde_json::from_str(body).map_err(|_| FetchError::Status {
        status: response.status(),
        code: natter_protocol::error_code::BAD_BODY.into(),
        message: "The server's answer could not be read.".into(),
    })
}
