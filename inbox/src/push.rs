//! Browser push in this browser: the inbox's service worker (`sw.js`, which shows what
//! the server pushes and opens the conversation on a click) and this browser's
//! subscription with the push service.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{PushSubscriptionOptionsInit, ServiceWorkerRegistration};

/// The worker, and the pages it serves: the whole inbox, whichever page registers it.
const WORKER: &str = "/inbox/sw.js";
const SCOPE: &str = "/inbox/";

/// Where this browser stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushState {
    /// No service workers or no Push API (or not a secure context).
    Unsupported,
    /// Staff refused notifications for this site.
    Blocked,
    Off,
    On,
}

fn has(target: &JsValue, name: &str) -> bool {
    js_sys::Reflect::has(target, &JsValue::from_str(name)).unwrap_or(false)
}

/// Service workers, the Push API and notifications are all there (they need https,
/// or localhost).
pub fn supported() -> bool {
    web_sys::window().is_some_and(|w| {
        w.is_secure_context()
            && has(&w, "PushManager")
            && has(&w, "Notification")
            && has(&w.navigator(), "serviceWorker")
    })
}

fn js_error(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "The browser refused.".to_owned())
}

/// The inbox's service worker, registered (once) and active.
async fn registration() -> Result<ServiceWorkerRegistration, String> {
    let container = web_sys::window()
        .ok_or("No window.")?
        .navigator()
        .service_worker();
    let options = web_sys::RegistrationOptions::new();
    options.set_scope(SCOPE);
    JsFuture::from(container.register_with_options(WORKER, &options))
        .await
        .map_err(js_error)?;
    let ready = JsFuture::from(container.ready().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    ready
        .dyn_into()
        .map_err(|_| "No service worker.".to_owned())
}

/// This browser's subscription, if it has one (registers nothing).
async fn existing() -> Option<web_sys::PushSubscription> {
    if !supported() {
        return None;
    }
    let container = web_sys::window()?.navigator().service_worker();
    let found = JsFuture::from(container.get_registration_with_document_url(SCOPE))
        .await
        .ok()?;
    let registration: ServiceWorkerRegistration = found.dyn_into().ok()?;
    let promise = registration.push_manager().ok()?.get_subscription().ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// Where this browser stands.
pub async fn state() -> PushState {
    if !supported() {
        return PushState::Unsupported;
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Denied => PushState::Blocked,
        web_sys::NotificationPermission::Granted if existing().await.is_some() => PushState::On,
        _ => PushState::Off,
    }
}

/// Asks for permission if need be, and subscribes this browser with the server's
/// `key` (a subscription made with another key is replaced). What to send the server.
pub async fn subscribe(key: &str) -> Result<natter_protocol::PushSubscription, String> {
    if !supported() {
        return Err(
            "This browser cannot show notifications from a website here (it needs https).".into(),
        );
    }
    let permission = JsFuture::from(web_sys::Notification::request_permission().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    if permission.as_string().as_deref() != Some("granted") {
        return Err("Notifications are blocked for this site: allow them in the browser's site settings, then try again.".into());
    }
    let manager = registration().await?.push_manager().map_err(js_error)?;
    let current = JsFuture::from(manager.get_subscription().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    if let Ok(current) = current.dyn_into::<web_sys::PushSubscription>() {
        if same_key(&current, key) {
            return to_protocol(&current);
        }
        let _ = JsFuture::from(current.unsubscribe().map_err(js_error)?).await;
    }
    let options = PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    options.set_application_server_key_opt_str(Some(key));
    let made = JsFuture::from(manager.subscribe_with_options(&options).map_err(js_error)?)
        .await
        .map_err(|e| format!("The browser's push service refused: {}", js_error(e)))?;
    to_protocol(&made.dyn_into().map_err(|_| "No subscription.".to_owned())?)
}

/// Unsubscribes this browser; the endpoint it had, for the server to forget.
pub async fn unsubscribe() -> Option<String> {
    let current = existing().await?;
    let endpoint = current.endpoint();
    if let Ok(promise) = current.unsubscribe() {
        let _ = JsFuture::from(promise).await;
    }
    Some(endpoint)
}

/// This browser's subscription as the server wants it, if notifications are on here:
/// sent again at each sign-in, so the browser is the signed-in member's.
pub async fn current() -> Option<natter_protocol::PushSubscription> {
    // Browsers without the Notification API have no `Notification` to ask.
    if !supported()
        || web_sys::Notification::permission() != web_sys::NotificationPermission::Granted
    {
        return None;
    }
    to_protocol(&existing().await?).ok()
}

fn same_key(subscription: &web_sys::PushSubscription, key: &str) -> bool {
    let Ok(Some(buffer)) = subscription.options().application_server_key() else {
        return false;
    };
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    decode_base64url(key).is_some_and(|k| k == bytes)
}

fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let mut standard: String = text
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    let binary = web_sys::window()?.atob(&standard).ok()?;
    binary
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

fn to_protocol(
    subscription: &web_sys::PushSubscription,
) -> Result<natter_protocol::PushSubscription, String> {
    let json = subscription.to_json().map_err(js_error)?;
    let text: String = js_sys::JSON::stringify(&json).map_err(js_error)?.into();
    serde_json::from_str(&text).map_err(|e| e.to_string())
}
