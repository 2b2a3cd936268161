//! Rate limits and connection caps.
//!
//! Fixed-window counters keyed by what is limited (an IP, a visitor), and failure
//! counters with a growing backoff (sign-ins, per email and IP). Keys are stored as
//! digests, so an attacker's input never sizes an entry; local entries expire by
//! time. With Redis configured the counters live there, so every instance shares
//! them; otherwise, or if Redis fails, they live in this process.

use crate::http::error::ApiError;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// A counted key: its bucket and the digest of what is counted.
type Key = (&'static str, [u8; 16]);

#[derive(Default)]
struct Local {
    /// Fixed windows: the window's number, its count, and when it ends.
    windows: HashMap<Key, (u64, u32, Instant)>,
    failures: HashMap<Key, Failures>,
    swept: Option<Instant>,
}

/// Failures of one key: how many, and until when it is locked.
struct Failures {
    count: u32,
    /// Forgotten after this (the quota's period after the last failure, or the lock's end).
    forget_at: Instant,
    locked_until: Option<Instant>,
}

/// How often finished local entries are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// The longest lock a run of failures earns.
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);

fn digest(key: &str) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let full = Sha256::digest(key.as_bytes());
    let mut short = [0u8; 16];
    short.copy_from_slice(&full[..16]);
    short
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The lock earned by the `count`th failure when `allowed` are free: 1 s, doubling
/// with each further failure, at most [`MAX_LOCK`].
fn lock_after(count: u32, allowed: u32) -> Option<Duration> {
    let over = count.checked_sub(allowed)?.checked_sub(1)?;
    Some(Duration::from_secs(1u64 << over.min(20)).min(MAX_LOCK))
}

#[derive(Clone)]
pub struct Limiter {
    local: Arc<Mutex<Local>>,
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

    /// This process's counters, with finished entries swept out now and then.
    fn counters(&self) -> MutexGuard<'_, Local> {
        let mut local = self
            .local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if local.swept.is_none_or(|at| now - at >= SWEEP_EVERY) {
            local.swept = Some(now);
            local.windows.retain(|_, (_, _, ends)| *ends > now);
            local.failures.retain(|_, f| f.forget_at > now);
        }
        local
    }

    /// Counts one event for `key` in `bucket`; refuses it with 429 past the quota.
    pub async fn check(
        &self,
        bucket: &'static str,
        key: &str,
        quota: Quota,
    ) -> Result<(), ApiError> {
        if quota.is_unlimited() {
            return Ok(());
        }
        let (window, remaining) = window_of(quota.per);
        let id = digest(key);
        let count = match &self.redis {
            Some((manager, prefix)) => {
                let key = format!("{prefix}{bucket}:{}:{window}", hex(&id));
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
                        self.count_locally((bucket, id), window, remaining)
                    }
                }
            }
            None => self.count_locally((bucket, id), window, remaining),
        };
        if count > quota.count {
            return Err(ApiError::RateLimited {
                retry_after_secs: remaining.as_secs().max(1),
            });
        }
        Ok(())
    }

    fn count_locally(&self, key: Key, window: u64, remaining: Duration) -> u32 {
        let ends = Instant::now() + remaining;
        let mut local = self.counters();
        let entry = local.windows.entry(key).or_insert((window, 0, ends));
        if entry.0 != window {
            *entry = (window, 0, ends);
        }
        entry.1 += 1;
        entry.1
    }

    /// Refuses with 429 while `key` is locked by its earlier failures.
    pub async fn refuse_if_locked(
        &self,
        bucket: &'static str,
        key: &str,
        quota: Quota,
    ) -> Result<(), ApiError> {
        if quota.is_unlimited() {
            return Ok(());
        }
        let key = digest(key);
        let remaining = match &self.redis {
            Some((manager, prefix)) => {
                let lock = format!("{prefix}lock:{bucket}:{}", hex(&key));
                let mut conn = manager.clone();
                match redis::cmd("PTTL")
                    .arg(&lock)
                    .query_async::<i64>(&mut conn)
                    .await
                {
                    Ok(ms) => Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
                    Err(e) => {
                        tracing::warn!(error = %e, "sign-in backoff falls back to this instance");
                        self.locked_locally((bucket, key))
                    }
                }
            }
            None => self.locked_locally((bucket, key)),
        };
        if remaining.is_zero() {
            return Ok(());
        }
        Err(ApiError::RateLimited {
            retry_after_secs: remaining.as_secs_f64().ceil().max(1.0) as u64,
        })
    }

    fn locked_locally(&self, key: Key) -> Duration {
        let now = Instant::now();
        self.counters()
            .failures
            .get(&key)
            .and_then(|f| f.locked_until)
            .map_or(Duration::ZERO, |until| until.saturating_duration_since(now))
    }

    /// Counts a failure of `key`. The first `quota.count` within `quota.per` of each
    /// other are free; each one after locks the key for twice as long as the last.
    pub async fn record_failure(&self, bucket: &'static str, key: &str, quota: Quota) {
        if quota.is_unlimited() {
            return;
        }
        let key = digest(key);
        if let Some((manager, prefix)) = &self.redis {
            let id = hex(&key);
            let (count_key, lock_key) = (
                format!("{prefix}fail:{bucket}:{id}"),
                format!("{prefix}lock:{bucket}:{id}"),
            );
            let mut conn = manager.clone();
            let counted: Result<(u32,), _> = redis::pipe()
                .incr(&count_key, 1)
                .expire(&count_key, (quota.per + MAX_LOCK).as_secs() as i64)
                .ignore()
                .query_async(&mut conn)
                .await;
            match counted {
                Ok((count,)) => {
                    if let Some(lock) = lock_after(count, quota.count) {
                        let locked: Result<(), _> = redis::cmd("SET")
                            .arg(&lock_key)
                            .arg(1)
                            .arg("PX")
                            .arg(lock.as_millis() as u64)
                            .query_async(&mut conn)
                            .await;
                        if let Err(e) = locked {
                            tracing::warn!(error = %e, "could not store a sign-in backoff");
                        }
                    }
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "sign-in backoff falls back to this instance"),
            }
        }
        let now = Instant::now();
        let mut local = self.counters();
        let failures = local.failures.entry((bucket, key)).or_insert(Failures {
            count: 0,
            forget_at: now,
            locked_until: None,
        });
        failures.count += 1;
        failures.locked_until = lock_after(failures.count, quota.count).map(|lock| now + lock);
        failures.forget_at = failures.locked_until.unwrap_or(now).max(now + quota.per);
    }

    /// Forgets the failures of `key` (it signed in).
    pub async fn clear_failures(&self, bucket: &'static str, key: &str) {
        let key = digest(key);
        if let Some((manager, prefix)) = &self.redis {
            let id = hex(&key);
            let mut conn = manager.clone();
            let cleared: Result<(), _> = redis::cmd("DEL")
                .arg(format!("{prefix}fail:{bucket}:{id}"))
                .arg(format!("{prefix}lock:{bucket}:{id}"))
                .query_async(&mut conn)
                .await;
            if let Err(e) = cleared {
                tracing::warn!(error = %e, "could not clear sign-in failures");
            }
        }
        self.counters().failures.remove(&(bucket, key));
    }

    /// Entries held in this process (windows, failures), for tests.
    pub fn local_entries(&self) -> (usize, usize) {
        let local = self.counters();
        (local.windows.len(), local.failures.len())
    }
}

/// Open sockets per key (a client IP, a visitor) on this instance.
#[derive(Clone)]
pub struct SocketCounter<K = IpAddr> {
    counts: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K> Default for SocketCounter<K> {
    fn default() -> Self {
        Self {
            counts: Arc::default(),
        }
    }
}

/// Holds one of a key's socket slots; gives it back when dropped.
pub struct SocketSlot<K: Eq + Hash = IpAddr> {
    counter: SocketCounter<K>,
    key: K,
}

impl<K: Eq + Hash> Drop for SocketSlot<K> {
    fn drop(&mut self) {
        let mut counts = self.counter.lock();
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

impl<K: Eq + Hash> SocketCounter<K> {
    fn lock(&self) -> MutexGuard<'_, HashMap<K, usize>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<K: Eq + Hash + Clone> SocketCounter<K> {
    /// A slot for another socket of `key`, unless it already has `max` (0: no cap).
    pub fn try_acquire(&self, key: K, max: usize) -> Option<SocketSlot<K>> {
        let mut counts = self.lock();
        let n = counts.entry(key.clone()).or_insert(0);
        if max > 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(SocketSlot {
            counter: self.clone(),
            key,
        })
    }

    /// Like [`Self::try_acquire`], refused with 429 (for an upgrade request).
    pub fn acquire(&self, key: K, max: usize) -> Result<SocketSlot<K>, ApiError> {
        self.try_acquire(key, max).ok_or(ApiError::RateLimited {
            retry_after_secs: 10,
        })
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

    #[tokio::test]
    async fn failures_lock_one_key_with_a_growing_backoff() {
        let limiter = Limiter::local();
        let quota = Quota {
            count: 2,
            per: Duration::from_secs(3600),
        };
        for _ in 0..2 {
            limiter.record_failure("f", "ana|1.1.1.1", quota).await;
            assert!(
                limiter
                    .refuse_if_locked("f", "ana|1.1.1.1", quota)
                    .await
                    .is_ok()
            );
        }
        let mut waits = Vec::new();
        for _ in 0..3 {
            limiter.record_failure("f", "ana|1.1.1.1", quota).await;
            match limiter.refuse_if_locked("f", "ana|1.1.1.1", quota).await {
                Err(ApiError::RateLimited { retry_after_secs }) => waits.push(retry_after_secs),
                other => panic!("expected 429, got {other:?}"),
            }
        }
        assert_eq!(waits, [1, 2, 4]);
        assert!(
            limiter
                .refuse_if_locked("f", "ana|2.2.2.2", quota)
                .await
                .is_ok(),
            "another key is not locked"
        );
        limiter.clear_failures("f", "ana|1.1.1.1").await;
        assert!(
            limiter
                .refuse_if_locked("f", "ana|1.1.1.1", quota)
                .await
                .is_ok()
        );
        assert_eq!(lock_after(30, 2), Some(MAX_LOCK));
    }

    #[tokio::test]
    async fn keys_are_digests_and_finished_windows_expire() {
        let limiter = Limiter::local();
        let quota = Quota {
            count: 5,
            per: Duration::from_millis(50),
        };
        let huge = "x".repeat(64 * 1024);
        limiter.check("t", &huge, quota).await.unwrap();
        assert_eq!(limiter.local_entries(), (1, 0));
        assert!(
            size_of::<Key>() <= 32,
            "an entry's key is small whatever the input"
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
        limiter.local.lock().unwrap().swept = None;
        assert_eq!(
            limiter.local_entries(),
            (0, 0),
            "the finished window is gone"
        );
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
