//! Webhook deliveries on the wire: each is sent as `store::webhooks` committed it,
//! signed with its endpoint's secret (the jobs worker runs them).
//!
//! Each delivery is `POST`ed as it was stored (`{id, type, created_at, org_id, data}`)
//! with `Natter-Webhook-Id` (the event id, the same in every retry),
//! `Natter-Webhook-Timestamp` (seconds) and `Natter-Webhook-Signature: v1=<hex
//! HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`. A 2xx answer delivers it; anything
//! else (or no answer in 10 s) is retried with a doubling delay, up to two hours apart,
//! for about a day, then given up and the endpoint marked failing (its admins are
//! emailed). Redirects are not followed; private addresses are refused ([`Policy`]).

use crate::outbound::Policy;
use crate::store::{Attempt, ClaimedDelivery};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an endpoint may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// A claimed delivery is another instance's to take after this long without a result
/// (an attempt takes at most [`TIMEOUT`]): after a crash, its conversation's events
/// wait this long at most.
pub const LEASE_MS: i64 = 20_000;
/// Deliveries sent at once.
pub const BATCH: i64 = 32;
/// Attempts before a delivery is given up: with a 10 s start, doubling to two hours
/// apart, about a day.
pub const MAX_ATTEMPTS: i64 = 19;
/// The longest wait between two attempts.
const MAX_DELAY_MS: i64 = 2 * 3600 * 1000;
/// How much of an answer's body is kept for the delivery log.
const EXCERPT_CHARS: usize = 300;

/// A resolver that keeps only the addresses the policy allows: a name that resolves
/// (or later re-resolves) to a private address is not connected to.
struct Resolver(Policy);

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(
                    format!("{} has no address an endpoint may have", name.as_str()).into(),
                );
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends deliveries.
pub struct Dispatcher {
    client: reqwest::Client,
    policy: Policy,
    /// The wait before the first retry (it doubles after each).
    first_retry_ms: i64,
}

impl Dispatcher {
    pub fn new(policy: Policy, first_retry: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Resolver(policy)))
            .user_agent(concat!("Natter-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            policy,
            first_retry_ms: i64::try_from(first_retry.as_millis()).unwrap_or(i64::MAX),
        })
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The wait after attempt number `attempts` failed.
    pub fn retry_delay_ms(&self, attempts: i64) -> i64 {
        let doublings = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
        self.first_retry_ms
            .saturating_mul(1_i64 << doublings)
            .min(MAX_DELAY_MS)
    }

    /// One attempt: POST the stored body, signed, and read the start of the answer.
    pub async fn attempt(&self, url: &str, secret: &str, delivery: &ClaimedDelivery) -> Attempt {
        let started = Instant::now();
        let elapsed = |started: Instant| u64::try_from(started.elapsed().as_millis()).unwrap_or(0);
        if let Err(e) = self.policy.check(url) {
            return Attempt {
                response_status: None,
                response_ms: 0,
                response_excerpt: None,
                error: Some(e.to_owned()),
            };
        }
        let timestamp = crate::store::now_ms() / 1000;
        let signature = sign(secret, &delivery.event_id, timestamp, &delivery.body);
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Natter-Webhook-Id", &delivery.event_id)
            .header("Natter-Webhook-Timestamp", timestamp.to_string())
            .header("Natter-Webhook-Signature", format!("v1={signature}"))
            .body(delivery.body.clone())
            .send()
            .await;
        match sent {
            Ok(mut response) => {
                let status = response.status();
                let response_ms = elapsed(started);
                let mut body = Vec::new();
                // The start of the body is enough for the log; a huge one is not read.
                while body.len() < 4096 {
                    match response.chunk().await {
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                let excerpt: String = String::from_utf8_lossy(&body)
                    .chars()
                    .take(EXCERPT_CHARS)
                    .collect();
                Attempt {
                    response_status: Some(status.as_u16()),
                    response_ms,
                    response_excerpt: (!excerpt.is_empty()).then_some(excerpt),
                    error: (!status.is_success())
                        .then(|| format!("the endpoint answered {status}")),
                }
            }
            Err(e) => Attempt {
                response_status: None,
                response_ms: elapsed(started),
                response_excerpt: None,
                error: Some(describe(&e)),
            },
        }
    }
}

/// A sending error as an admin can act on it.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        let mut source: Option<&dyn std::error::Error> = Some(e);
        let mut last = String::new();
        while let Some(s) = source {
            last = s.to_string();
            source = s.source();
        }
        format!("could not connect: {last}")
    } else {
        e.to_string()
    }
}

/// `hex(HMAC-SHA256(secret, "{id}.{timestamp}.{body}"))`, the key being the secret's
/// UTF-8 bytes as shown (`whsec_…`).
pub fn sign(secret: &str, event_id: &str, timestamp: i64, body: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{event_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_id_timestamp_and_body_in_hex() {
        // Computed independently: printf 'evt_1.1700000000.{"a":1}' |
        //   openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            sign("whsec_test", "evt_1", 1_700_000_000, r#"{"a":1}"#),
            "8b7abda022d1032b001d413b787d1d9c6dfbadba36ee2a7a91333569f777b61c"
        );
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_not_connected_to_unless_allowed() {
        use reqwest::dns::Resolve;
        use std::str::FromStr;
        let name = || reqwest::dns::Name::from_str("localhost").unwrap();
        let strict = Resolver(Policy::default()).resolve(name()).await;
        assert!(
            strict.is_err(),
            "localhost resolved for a public-only endpoint"
        );
        let tests = Policy {
            allow_loopback: true,
            allow_private: false,
        };
        let allowed = Resolver(tests).resolve(name()).await.ok().unwrap();
        assert!(allowed.into_iter().all(|a| a.ip().is_loopback()));
    }

    #[test]
    fn retries_double_from_the_first_delay_to_two_hours() {
        let d = Dispatcher::new(Policy::default(), Duration::from_secs(10)).unwrap();
        for (attempts, delay) in [(1, 10_000), (2, 20_000), (5, 160_000), (19, MAX_DELAY_MS)] {
            assert_eq!(d.retry_delay_ms(attempts), delay, "{attempts}");
        }
        // About a day in all.
        let total: i64 = (1..MAX_ATTEMPTS).map(|a| d.retry_delay_ms(a)).sum();
        assert!((18 * 3_600_000..30 * 3_600_000).contains(&total), "{total}");
    }
}
