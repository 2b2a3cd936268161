//! Web Push (RFC 8030) to staff browsers: each payload encrypted for one browser
//! (RFC 8291, `aes128gcm`) and signed for its push service with the server's VAPID key
//! (RFC 8292). The key is made once and kept in the database, so every instance signs
//! with it and subscriptions survive restarts; `NATTER_VAPID_PRIVATE_KEY` gives one.

use crate::outbound::private_host;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::time::Duration;
use web_push_native::jwt_simple::algorithms::{
    ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair,
};
use web_push_native::jwt_simple::claims::Claims;
use web_push_native::{Auth, WebPushBuilder, p256};

/// How long a push service may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a push service keeps a notification for a browser that is offline: news
/// of a chat older than this is better read in the inbox.
const TTL: Duration = Duration::from_secs(12 * 3600);

/// Sends pushes with the server's VAPID key.
pub struct Pusher {
    key: ES256KeyPair,
    /// The public key, base64url: what browsers subscribe with.
    public_key: String,
    /// Who runs this server, for push services to contact (`mailto:` or https).
    subject: String,
    /// Plain-http endpoints (and private addresses) are accepted: tests on loopback.
    allow_http: bool,
    client: reqwest::Client,
}

/// What became of one push.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The push service no longer knows the subscription (404/410): forget it.
    Gone,
    /// Worth another try later (a timeout, 429, 5xx).
    Retry(String),
    /// The push service refused it for good (another 4xx).
    Refused(String),
}

/// Where to push, as the browser gave it.
pub struct Subscription<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
}

impl Pusher {
    /// A pusher signing with `private_key` (the raw 32-byte P-256 scalar, base64url —
    /// the format of `web-push generate-vapid-keys`).
    pub fn new(private_key: &str, subject: String, allow_http: bool) -> Result<Self, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(private_key.trim().trim_end_matches('='))
            .map_err(|e| format!("the VAPID private key is not base64url: {e}"))?;
        let key = ES256KeyPair::from_bytes(&bytes)
            .map_err(|e| format!("the VAPID private key is not a P-256 key: {e}"))?;
        let public_key =
            URL_SAFE_NO_PAD.encode(key.public_key().public_key().to_bytes_uncompressed());
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            key,
            public_key,
            subject,
            allow_http,
            client,
        })
    }

    /// A new private key, base64url.
    pub fn generate_key() -> String {
        URL_SAFE_NO_PAD.encode(ES256KeyPair::generate().to_bytes())
    }

    /// The public key browsers subscribe with (base64url, uncompressed point).
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// Why a subscription cannot be pushed to, if it cannot: the endpoint must be an
    /// https URL of a public host (plain http and private hosts only when allowed),
    /// the keys a P-256 point and a 16-byte secret.
    pub fn check(&self, subscription: &Subscription<'_>) -> Result<(), &'static str> {
        let url =
            url::Url::parse(subscription.endpoint).map_err(|_| "The endpoint is not a URL.")?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err("The endpoint must be an https URL."),
        }
        if !self.allow_http && private_host(&url) {
            return Err("The endpoint must be on a public host.");
        }
        decode_keys(subscription).map(|_| ())
    }

    /// Pushes `payload` (JSON) to one browser. `topic` lets the push service replace a
    /// notification still waiting for the browser with this newer one.
    pub async fn send(
        &self,
        subscription: &Subscription<'_>,
        payload: &[u8],
        topic: &str,
    ) -> Delivery {
        let request = match self.request(subscription, payload, topic) {
            Ok(request) => request,
            Err(e) => return Delivery::Refused(e),
        };
        match self.client.execute(request).await {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    return Delivery::Sent;
                }
                let body = response.text().await.unwrap_or_default();
                let said = format!("{status}: {}", body.chars().take(300).collect::<String>());
                match status.as_u16() {
                    404 | 410 => Delivery::Gone,
                    429 | 500.. => Delivery::Retry(said),
                    _ => Delivery::Refused(said),
                }
            }
            Err(e) => Delivery::Retry(e.to_string()),
        }
    }

    fn request(
        &self,
        subscription: &Subscription<'_>,
        payload: &[u8],
        topic: &str,
    ) -> Result<reqwest::Request, String> {
        self.check(subscription)?;
        let (ua_public, ua_auth) = decode_keys(subscription)?;
        let endpoint: url::Url = subscription.endpoint.parse().map_err(|_| "not a URL")?;
        let encrypted = WebPushBuilder::new(
            subscription.endpoint.parse().map_err(|_| "not a URI")?,
            ua_public,
            ua_auth,
        )
        .with_valid_duration(TTL)
        .build(payload.to_vec())
        .map_err(|e| e.to_string())?;
        // The audience is the endpoint's origin, port included (the library leaves a
        // port out, which a push service on one would refuse).
        let claims = Claims::create(TTL.into())
            .with_audience(endpoint.origin().ascii_serialization())
            .with_subject(&self.subject);
        let token = self.key.sign(claims).map_err(|e| e.to_string())?;
        let mut request = self
            .client
            .post(endpoint)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("vapid t={token}, k={}", self.public_key),
            )
            .header("Urgency", "high")
            .header("Topic", topic);
        for (name, value) in encrypted.headers() {
            request = request.header(name, value);
        }
        request
            .body(encrypted.into_body())
            .build()
            .map_err(|e| e.to_string())
    }
}

fn decode_keys(subscription: &Subscription<'_>) -> Result<(p256::PublicKey, Auth), &'static str> {
    let p256dh = URL_SAFE_NO_PAD
        .decode(subscription.p256dh.trim_end_matches('='))
        .ok()
        .and_then(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).ok())
        .ok_or("keys.p256dh is not a P-256 public key in base64url.")?;
    let auth = URL_SAFE_NO_PAD
        .decode(subscription.auth.trim_end_matches('='))
        .ok()
        .filter(|bytes| bytes.len() == 16)
        .ok_or("keys.auth is not 16 bytes in base64url.")?;
    Ok((p256dh, Auth::clone_from_slice(&auth)))
}

/// A `Topic` header for a conversation: at most 32 URL-safe characters.
pub fn topic(conv_id: &str) -> String {
    conv_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pusher(allow_http: bool) -> Pusher {
        Pusher::new(
            &Pusher::generate_key(),
            "mailto:a@b.example".into(),
            allow_http,
        )
        .expect("a generated key")
    }

    #[test]
    fn endpoints_must_be_https_on_public_hosts_unless_allowed() {
        let keys = (
            "BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY",
            "_ordMnz7uTCmrpBTeUV4Bw",
        );
        for (endpoint, strict, relaxed) in [
            ("https://fcm.googleapis.com/fcm/send/x", true, true),
            ("http://push.example/x", false, true),
            ("https://127.0.0.1/x", false, true),
            ("https://10.1.2.3/x", false, true),
            ("https://[::1]/x", false, true),
            ("https://[fd00::1]/x", false, true),
            ("https://localhost/x", false, true),
            ("ftp://push.example/x", false, false),
            ("not a url", false, false),
        ] {
            let sub = Subscription {
                endpoint,
                p256dh: keys.0,
                auth: keys.1,
            };
            assert_eq!(pusher(false).check(&sub).is_ok(), strict, "{endpoint}");
            assert_eq!(pusher(true).check(&sub).is_ok(), relaxed, "{endpoint}");
        }
    }

    #[test]
    fn keys_must_be_a_point_and_a_sixteen_byte_secret() {
        for (p256dh, auth) in [
            ("AAAA", "_ordMnz7uTCmrpBTeUV4Bw"),
            (
                "BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY",
                "AAAA",
            ),
        ] {
            let sub = Subscription {
                endpoint: "https://push.example/x",
                p256dh,
                auth,
            };
            assert!(pusher(false).check(&sub).is_err(), "{p256dh} {auth}");
        }
    }

    #[test]
    fn a_key_round_trips_and_a_bad_one_is_refused() {
        let key = Pusher::generate_key();
        let a = Pusher::new(&key, String::new(), false).expect("valid");
        let b = Pusher::new(&key, String::new(), false).expect("valid");
        assert_eq!(a.public_key(), b.public_key());
        assert_eq!(a.public_key().len(), 87, "65 bytes in base64url");
        assert!(Pusher::new("not a key", String::new(), false).is_err());
    }

    #[test]
    fn topics_are_short_and_url_safe() {
        assert_eq!(
            topic("0f8fad5b-d9cb-469f-a165-70867728950e"),
            "0f8fad5bd9cb469fa16570867728950e"
        );
    }
}
