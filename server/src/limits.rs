//! Rate limits and connection caps.
//!
//! Fixed-window counters keyed by what is limited (an IP, a visitor, an email).
//! With Redis configured the counters live there, so every instance shares them;
//! otherwise, or if Redis fails, they live in this process.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `count` events per `per`; `0/…` means unlimited. Written `20/min`, `5/s`, `100/hour`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub count: u32,
    pub per: Duration,
}

impl Quota {
    pub const UNLIMITED: Quota = Quota {
        count: 0,
        per: Duration::from_secs(1),
    };

    pub fn is_unlimited(self) -> bool {
        self.count == 0
    }
}

impl FromStr for Quota {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("{value:?} is not a rate like 20/min (units: s, min, hour)");
        let (count, unit) = value.split_once('/').ok_or_else(invalid)?;
        let count = count.trim().parse().map_err(|_| invalid())?;
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(invalid()),
        };
        Ok(Quota { count, per })
    }
}

type Windows = HashMap<String, (u64, u32)>;

#[derive(Clone)]
pub struct Limiter {
    local: Arc<Mutex<Windows>>,
    redis: Option<(redis::aio::ConnectionManager, String)>,
}

fn window_of(per: Duration) -> (u64, Duration) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let per_ms = per.as_millis().max(1) as u64;
    let now_ms = now.as_millis() as u64;
    let window = now_ms / per_ms;
    (
        window,
        Duration::from_millis((window + 1) * per_ms - now_ms),
    )
}

impl Limiter {
    pub fn local() -> Self {
        Self {
            local: Arc::default(),
            redis: None,
        }
    }

    /// Counters shared by every instance through Redis, under `prefix`.
    pub async fn shared(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let manager = redis::aio::ConnectionManager::new(client).await?;
        Ok(Self {
            local: Arc::default(),
            redis: Some((manager, format!("{prefix}rate:"))),
        })
    }

    fn windows(&self) -> MutexGuard<'_, Windows> {
        self.local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one event for `key` in `bucket`; refuses it with 429 past the quota.
    pub async fn check(&self, bucket: &str, key: &str, quota: Quota) -> Result<(), ApiError> {
        if quota.is_unlimited() {
            return Ok(());
        }
        let (window, remaining) = window_of(quota.per);
        let count = match &self.redis {
            Some((manager, prefix)) => {
                let key = format!("{prefix}{bucket}:{key}:{window}");
                let mut conn = manager.clone();
                let counted: Result<(u32,), _> = redis::pipe()
                    .atomic()
                    .incr(&key, 1)
                    .expire(&key, quota.per.as_secs().max(1) as i64 + 1)
                    .ignore()
                    .query_async(&mut conn)
                    .await;
                match counted {
                    Ok((count,)) => count,
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limiting falls back to this instance");
                        self.count_locally(bucket, key.as_str(), window)
                    }
                }
            }
            None => self.count_locally(bucket, key, window),
        };
        if count > quota.count {
            return Err(ApiError::RateLimited {
                retry_after_secs: remaining.as_secs().max(1),
            });
        }
        Ok(())
    }

    fn count_locally(&self, bucket: &str, key: &str, window: u64) -> u32 {
        let mut windows = self.windows();
        // Forget finished windows once the map grows, so it stays bounded.
        if windows.len() > 50_000 {
            windows.retain(|_, (w, _)| *w >= window);
        }
        let entry = windows
            .entry(format!("{bucket}:{key}"))
            .or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        entry.1
    }
}

/// Open sockets per client IP on this instance.
#[derive(Clone, Default)]
pub struct SocketCounter {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// Holds one of an IP's socket slots; gives it back when dropped.
pub struct SocketSlot {
    counter: SocketCounter,
    ip: IpAddr,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut counts = self.counter.lock();
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

impl SocketCounter {
    fn lock(&self) -> MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A slot for another socket from `ip`, unless it already has `max` (0: no cap).
    pub fn acquire(&self, ip: IpAddr, max: usize) -> Result<SocketSlot, ApiError> {
        let mut counts = self.lock();
        let n = counts.entry(ip).or_insert(0);
        if max > 0 && *n >= max {
            return Err(ApiError::RateLimited {
                retry_after_secs: 10,
            });
        }
        *n += 1;
        Ok(SocketSlot {
            counter: self.clone(),
            ip,
        })
    }
}

/// The client's IP: the peer address, or with `--trust-forwarded-for` the address
/// the (trusted) proxy in front saw, i.e. the last `X-Forwarded-For` entry.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.settings.limits.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|ip| ip.trim().parse().ok())
                .next_back();
            if let Some(ip) = forwarded {
                return Ok(Self(ip));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Self(peer.unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_parse() {
        assert_eq!(
            "20/min".parse(),
            Ok(Quota {
                count: 20,
                per: Duration::from_secs(60)
            })
        );
        assert_eq!(
            "5/s".parse(),
            Ok(Quota {
                count: 5,
                per: Duration::from_secs(1)
            })
        );
        assert!("0/hour".parse::<Quota>().unwrap().is_unlimited());
        assert!("lots".parse::<Quota>().is_err());
        assert!("5/fortnight".parse::<Quota>().is_err());
    }

    #[tokio::test]
    async fn local_counters_refuse_past_the_quota() {
        let limiter = Limiter::local();
        let quota = Quota {
            count: 3,
            per: Duration::from_secs(3600),
        };
        for _ in 0..3 {
            assert!(limiter.check("t", "a", quota).await.is_ok());
        }
        match limiter.check("t", "a", quota).await {
            Err(ApiError::RateLimited { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(
            limiter.check("t", "b", quota).await.is_ok(),
            "other keys are separate"
        );
        assert!(limiter.check("t", "a", Quota::UNLIMITED).await.is_ok());
    }

    #[test]
    fn socket_slots_are_given_back() {
        let counter = SocketCounter::default();
        let ip = IpAddr::from([127, 0, 0, 1]);
        let a = counter.acquire(ip, 2).unwrap();
        let _b = counter.acquire(ip, 2).unwrap();
        assert!(counter.acquire(ip, 2).is_err());
        drop(a);
        assert!(counter.acquire(ip, 2).is_ok());
    }
}
