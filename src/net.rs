//! The HTTP API, over the browser's `fetch` (no HTTP crate: it would only add weight).

use natter_protocol::{
    ConvId, CreateLead, ErrorBody, LeadCreated, MessageEnvelope, MessageList, PostMessage,
    ReadRequest, WidgetConfig,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// Why a request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No answer at all: offline, DNS, CORS, or the server is down. Worth retrying.
    Network,
    /// The server answered with an error status.
    Status { status: u16, code: String },
}

/// The API of one server for one website account.
#[derive(Clone, Debug)]
pub struct Api {
    base: String,
    org: String,
    account: String,
}

/// Messages fetched per page when loading history or filling a gap.
const PAGE: u32 = 200;

impl Api {
    /// `server` is an origin such as `https://chat.example.com`, without a trailing slash.
    pub fn new(server: &str, org: &str, account: &str) -> Self {
        Self {
            base: format!("{server}/api/v1"),
            org: enc(org),
            account: enc(account),
        }
    }

    /// The organization and website account this API speaks for (URL-encoded).
    pub fn account(&self) -> (String, String) {
        let decode = |s: &str| {
            js_sys::decode_uri_component(s)
                .map(String::from)
                .unwrap_or_else(|_| s.to_owned())
        };
        (decode(&self.org), decode(&self.account))
    }

    pub async fn config(&self) -> Result<WidgetConfig, ApiError> {
        let url = format!("{}/widget/{}/{}/config", self.base, self.org, self.account);
        json(send("GET", &url, None::<&()>, None).await?).await
    }

    pub async fn create_lead(&self, lead: &CreateLead) -> Result<LeadCreated, ApiError> {
        let url = format!("{}/widget/{}/{}/leads", self.base, self.org, self.account);
        json(send("POST", &url, Some(lead), None).await?).await
    }

    pub async fn post_message(
        &self,
        conv: &ConvId,
        token: &str,
        body: &PostMessage,
    ) -> Result<MessageEnvelope, ApiError> {
        let url = format!("{}/conversations/{}/messages", self.base, enc(&conv.0));
        json(send("POST", &url, Some(body), Some(token)).await?).await
    }

    /// One page of messages after `after_seq`, ascending.
    pub async fn messages(
        &self,
        conv: &ConvId,
        token: &str,
        after_seq: u64,
    ) -> Result<MessageList, ApiError> {
        let url = format!(
            "{}/conversations/{}/messages?after_seq={after_seq}&limit={PAGE}",
            self.base,
            enc(&conv.0)
        );
        json(send("GET", &url, None::<&()>, Some(token)).await?).await
    }

    pub async fn read(&self, conv: &ConvId, token: &str, seq: u64) -> Result<(), ApiError> {
        let url = format!("{}/conversations/{}/read", self.base, enc(&conv.0));
        send("POST", &url, Some(&ReadRequest { seq }), Some(token))
            .await
            .map(drop)
    }
}

fn enc(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}

async fn send<B: Serialize>(
    method: &str,
    url: &str,
    body: Option<&B>,
    token: Option<&str>,
) -> Result<Response, ApiError> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let text = serde_json::to_string(body).map_err(|_| ApiError::Network)?;
        init.set_body(&JsValue::from_str(&text));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| ApiError::Network)?;
    let headers = request.headers();
    if body.is_some() {
        headers
            .set("Content-Type", "application/json")
            .map_err(|_| ApiError::Network)?;
    }
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(|_| ApiError::Network)?;
    }
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(JsCast::dyn_into)
        .map_err(|_| ApiError::Network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let code = match text(&response).await {
        Ok(body) => serde_json::from_str::<ErrorBody>(&body)
            .map(|e| e.error.code)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    Err(ApiError::Status { status, code })
}

async fn text(response: &Response) -> Result<String, ApiError> {
    let promise = response.text().map_err(|_| ApiError::Network)?;
    let value = JsFuture::from(promise)
        .await
        .map_err(|_| ApiError::Network)?;
    value.as_string().ok_or(ApiError::Network)
}

async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let body = text(&response).await?;
    serde_json::from_str(&body).map_err(|_| ApiError::Status {
        status: response.status(),
        code: "bad_body".into(),
    })
}
