//! How long to wait before reconnecting a lost socket: one formula for both UIs, each
//! with its own [`Backoff`].

/// A reconnect policy. The fixed part of a delay doubles per failed attempt, from
/// `first_ms` up to `max_ms`; a random part of up to `spread` times the fixed part is
/// added, so clients cut off together do not all return in the same instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The fixed part of the first delay, in ms.
    pub first_ms: u32,
    /// The largest fixed part, in ms.
    pub max_ms: u32,
    /// The random part's share of the fixed part, in `[0, 1]`.
    pub spread: f64,
}

impl Backoff {
    /// The delay before reconnect attempt `attempt` (0-based), with `jitter` in `[0, 1)`.
    pub fn delay_ms(&self, attempt: u32, jitter: f64) -> u32 {
        let fixed = self
            .first_ms
            .saturating_mul(1u32 << attempt.min(31))
            .min(self.max_ms);
        fixed + (f64::from(fixed) * self.spread * jitter.clamp(0.0, 1.0)) as u32
    }

    /// The longest delay this policy ever asks for.
    pub const fn longest_ms(&self) -> u32 {
        self.max_ms + (self.max_ms as f64 * self.spread) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EQUAL: Backoff = Backoff {
        first_ms: 500,
        max_ms: 15_000,
        spread: 1.0,
    };
    const QUARTER: Backoff = Backoff {
        first_ms: 500,
        max_ms: 15_000,
        spread: 0.25,
    };

    #[test]
    fn delays_double_stop_at_the_ceiling_and_add_at_most_the_spread() {
        let cases = [
            (EQUAL, 0, 0.0, 500),
            (EQUAL, 0, 0.999_999, 999),
            (EQUAL, 3, 0.0, 4_000),
            (EQUAL, 5, 0.0, 15_000),
            (EQUAL, u32::MAX, 1.0, 30_000),
            (QUARTER, 2, 0.0, 2_000),
            (QUARTER, 2, 1.0, 2_500),
            (QUARTER, 30, 1.0, 18_750),
            (QUARTER, 0, -3.0, 500),
            (QUARTER, 0, 7.0, 625),
        ];
        for (policy, attempt, jitter, want) in cases {
            assert_eq!(
                policy.delay_ms(attempt, jitter),
                want,
                "{policy:?} {attempt} {jitter}"
            );
        }
        for policy in [EQUAL, QUARTER] {
            for attempt in 0..40 {
                let delay = policy.delay_ms(attempt, 0.999_999);
                assert!(delay <= policy.longest_ms(), "{policy:?} {attempt}");
                assert!(delay >= policy.delay_ms(attempt.saturating_sub(1), 0.0));
            }
        }
        assert_eq!(EQUAL.longest_ms(), 30_000);
        assert_eq!(QUARTER.longest_ms(), 18_750);
    }
}
