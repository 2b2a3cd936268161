//! The widget's calls of the HTTP API (over `natter_client::fetch`).

pub use natter_client::fetch::FetchError as ApiError;
use natter_client::fetch::{Method, checked, json, send};
use natter_protocol::{
    ConvId, CreateLead, Identified, Identify, LeadCreated, MessageEnvelope, MessageList,
    PostMessage, ReadRequest, TranscriptEmailQueued, TranscriptEmailRequest, WidgetConfig,
};
use wasm_bindgen::JsCast;

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

    /// Where a conversation's files are uploaded.
    pub fn attachments_url(&self, conv: &ConvId) -> String {
        format!("{}/conversations/{}/attachments", self.base, enc(&conv.0))
    }

    /// The server's origin, on which the paths it gives (attachments' links) are.
    pub fn origin(&self) -> &str {
        self.base.strip_suffix("/api/v1").unwrap_or_default()
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

    /// The website's settings: the loader's response when it fetched them alongside the
    /// app (`prefetched`), else (or if that fetch failed) a request of its own.
    pub async fn config(
        &self,
        prefetched: Option<js_sys::Promise>,
    ) -> Result<WidgetConfig, ApiError> {
        if let Some(promise) = prefetched
            && let Ok(raw) = wasm_bindgen_futures::JsFuture::from(promise).await
            && let Ok(raw) = raw.dyn_into::<web_sys::Response>()
        {
            return json(checked(raw.into()).await?).await;
        }
        let url = format!("{}/widget/{}/{}/config", self.base, self.org, self.account);
        json(send(Method::GET, &url, None::<&()>, None).await?).await
    }

    /// A new conversation: a new visitor, or with `token` another of a verified contact's.
    pub async fn create_lead(
        &self,
        lead: &CreateLead,
        token: Option<&str>,
    ) -> Result<LeadCreated, ApiError> {
        let url = format!("{}/widget/{}/{}/leads", self.base, self.org, self.account);
        json(send(Method::POST, &url, Some(lead), token).await?).await
    }

    /// Signs in the website's verified user; `token`: the one this browser holds for
    /// them, kept if it is theirs.
    pub async fn identify(
        &self,
        user: &Identify,
        token: Option<&str>,
    ) -> Result<Identified, ApiError> {
        let url = format!(
            "{}/widget/{}/{}/identify",
            self.base, self.org, self.account
        );
        json(send(Method::POST, &url, Some(user), token).await?).await
    }

    pub async fn post_message(
        &self,
        conv: &ConvId,
        token: &str,
        body: &PostMessage,
    ) -> Result<MessageEnvelope, ApiError> {
        let url = format!("{}/conversations/{}/messages", self.base, enc(&conv.0));
        json(send(Method::POST, &url, Some(body), Some(token)).await?).await
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
        json(send(Method::GET, &url, None::<&()>, Some(token)).await?).await
    }

    /// Asks for the conversation by email (`None`: to the address given before).
    pub async fn email_transcript(
        &self,
        conv: &ConvId,
        token: &str,
        email: Option<String>,
    ) -> Result<TranscriptEmailQueued, ApiError> {
        let url = format!(
            "{}/conversations/{}/transcript-email",
            self.base,
            enc(&conv.0)
        );
        let body = TranscriptEmailRequest { email };
        json(send(Method::POST, &url, Some(&body), Some(token)).await?).await
    }

    pub async fn read(&self, conv: &ConvId, token: &str, seq: u64) -> Result<(), ApiError> {
        let url = format!("{}/conversations/{}/read", self.base, enc(&conv.0));
        send(Method::POST, &url, Some(&ReadRequest { seq }), Some(token))
            .await
            .map(drop)
    }
}

fn enc(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
