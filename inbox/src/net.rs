//! The browser's edges: the HTTP API (fetch), the stored session (localStorage),
//! the clock and the page's visibility.

use natter_client::fetch::{self, FetchError};
use natter_protocol::{ConvId, LoginResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

const API: &str = "/api/v1";
const SESSION_KEY: &str = "natter.inbox.session";

/// Why an API call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// 401: the token is missing, invalid or expired.
    Unauthorized,
    /// Any other refusal, with the server's message.
    Status(u16, String),
    /// The request never got an answer (offline, server down).
    Network,
}

impl ApiError {
    /// A sentence for staff.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthorized => "Your session has expired; please sign in again.".to_owned(),
            Self::Status(_, message) => message.clone(),
            Self::Network => "Cannot reach the server; check your connection.".to_owned(),
        }
    }
}

impl From<FetchError> for ApiError {
    fn from(err: FetchError) -> Self {
        match err {
            FetchError::Network => Self::Network,
            FetchError::Status { status: 401, .. } => Self::Unauthorized,
            FetchError::Status {
                status, message, ..
            } if message.is_empty() => {
                Self::Status(status, format!("The server answered {status}."))
            }
            FetchError::Status {
                status, message, ..
            } => Self::Status(status, message),
        }
    }
}

/// Calls `method path` under `/api/v1` with an optional bearer token and JSON body.
/// An empty answer (204) reads as JSON `null`, which `()` accepts.
pub async fn call<T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&impl Serialize>,
) -> Result<T, ApiError> {
    let method = fetch::Method::from_bytes(method.as_bytes()).map_err(|_| FetchError::Network)?;
    let response = fetch::send(method, &format!("{API}{path}"), body, token).await?;
    Ok(fetch::json(response).await?)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The session saved by the last sign-in, if any (expired or not).
pub fn load_session() -> Option<LoginResponse> {
    let raw = storage()?.get_item(SESSION_KEY).ok()??;
    serde_json::from_str(&raw).ok()
}

pub fn save_session(session: &LoginResponse) {
    if let (Some(storage), Ok(raw)) = (storage(), serde_json::to_string(session)) {
        let _ = storage.set_item(SESSION_KEY, &raw);
    }
}

pub fn clear_session() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(SESSION_KEY);
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// True while the tab is in the foreground.
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| !d.hidden())
}

/// A fresh idempotency key for a reply; a retry reuses it.
pub fn new_client_msg_id() -> String {
    natter_client::ids::new_client_msg_id("s")
}

/// A time of day for today, else a date (with the time unless `compact`), in the browser's locale.
pub fn format_when(ms: i64, compact: bool) -> String {
    natter_client::when::stamp(ms, "", compact)
}

const ROUTE_PREFIX: &str = "#/c/";
const INVITE_PREFIX: &str = "#/invite/";

/// The invitation code the address carries (`/inbox/#/invite/<code>`), if any.
pub fn invitation_code() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let code = hash.strip_prefix(INVITE_PREFIX)?;
    let valid = !code.is_empty()
        && code.len() <= 100
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then(|| code.to_owned())
}

/// The conversation the address names (`/inbox/#/c/<conv_id>`), if it names a valid one.
pub fn route() -> Option<ConvId> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let id = hash.strip_prefix(ROUTE_PREFIX)?;
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then(|| ConvId(id.to_owned()))
}

/// Puts the open conversation (or none) in the address: a new history entry, so the back
/// button returns to where staff were.
pub fn set_route(conv_id: Option<&ConvId>) {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let next = conv_id.map_or(String::new(), |c| format!("{ROUTE_PREFIX}{c}"));
    if location.hash().unwrap_or_default() != next {
        _ = location.set_hash(&next);
    }
}

/// The page the address names.
pub fn page() -> crate::store::Page {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    crate::store::Page::from_path(&path)
}

/// Puts `page` in the address as a new history entry (the back button returns).
pub fn set_page(page: crate::store::Page) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if window.location().pathname().ok().as_deref() == Some(page.path()) {
        return;
    }
    if let Ok(history) = window.history() {
        _ = history.push_state_with_url(&JsValue::NULL, "", Some(page.path()));
    }
}

/// Copies `text` to the clipboard (best effort: a page without permission copies nothing).
pub fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Downloads `path` of the API (with the session's token) as a file named `name`.
pub async fn download(path: &str, token: &str, name: &str) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast;
    let response = fetch::send::<()>(
        fetch::Method::GET,
        &format!("{API}{path}"),
        None,
        Some(token),
    )
    .await?;
    let response = web_sys::Response::from(response);
    let blob: web_sys::Blob = JsFuture::from(response.blob().map_err(|_| ApiError::Network)?)
        .await
        .ok()
        .and_then(|b| b.dyn_into().ok())
        .ok_or(ApiError::Network)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::Network)?;
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .ok_or(ApiError::Network)?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Asks staff to confirm a change that cannot be undone.
pub fn confirm(question: &str) -> bool {
    web_sys::window().is_some_and(|w| w.confirm_with_message(question).unwrap_or(false))
}

fn notification_api() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false)
    })
}

/// True when staff allowed browser notifications.
pub fn notifications_allowed() -> bool {
    notification_api()
        && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
}

/// True when the browser can notify but staff have not been asked yet.
pub fn notifications_undecided() -> bool {
    notification_api()
        && web_sys::Notification::permission() == web_sys::NotificationPermission::Default
}

/// Asks for permission to notify; resolves once staff have answered.
pub async fn request_notifications() {
    if let Ok(promise) = web_sys::Notification::request_permission() {
        let _ = JsFuture::from(promise).await;
    }
}

/// Where this browser keeps whether the chime is muted.
const MUTED_KEY: &str = "natter-inbox:muted";

/// Whether this browser plays a chime for visitor messages while the tab is hidden.
pub fn sound_on() -> bool {
    storage()
        .and_then(|s| s.get_item(MUTED_KEY).ok().flatten())
        .is_none()
}

/// Mutes or unmutes the chime in this browser.
pub fn set_sound(on: bool) {
    if let Some(s) = storage() {
        let _ = if on {
            s.remove_item(MUTED_KEY)
        } else {
            s.set_item(MUTED_KEY, "1")
        };
    }
}

thread_local! {
    /// One audio context for the page's life (browsers limit how many a page opens).
    static AUDIO: Option<web_sys::AudioContext> = web_sys::AudioContext::new().ok();
}

/// A short, soft two-note chime. Browsers start audio only after the page was used
/// (signing in counts), so a chime before that is silently skipped.
pub fn chime() {
    AUDIO.with(|audio| {
        let Some(ctx) = audio else { return };
        if ctx.state() == web_sys::AudioContextState::Suspended {
            let _ = ctx.resume();
        }
        let start = ctx.current_time();
        for (i, frequency) in [660.0_f32, 880.0].into_iter().enumerate() {
            let at = start + 0.12 * i as f64;
            let (Ok(tone), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
                return;
            };
            tone.frequency().set_value(frequency);
            let level = gain.gain();
            let _ = level.set_value_at_time(0.0001, at);
            let _ = level.exponential_ramp_to_value_at_time(0.15, at + 0.02);
            let _ = level.exponential_ramp_to_value_at_time(0.0001, at + 0.25);
            let _ = tone.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&ctx.destination());
            let _ = tone.start_with_when(at);
            let _ = tone.stop_with_when(at + 0.3);
        }
    });
}

/// `value` as one component of a URL's query.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
