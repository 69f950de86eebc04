//! A per-user token bucket: `per_minute` tokens a minute, at most `burst` at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before idle, full ones are pruned.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// `check` answers `Ok` or how many whole seconds to wait.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_minute == 0` switches limiting off. A burst of 0 is read as 1.
    #[must_use]
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    #[must_use]
    pub fn enabled(&self) -> bool {
        self.per_second > 0.0
    }

    /// Takes one token from `user`'s bucket.
    ///
    /// # Errors
    /// The seconds until a token is available (at least 1).
    pub fn check(&self, user: &str) -> Result<(), u64> {
        self.check_at(user, Instant::now())
    }

    fn check_at(&self, user: &str, now: Instant) -> Result<(), u64> {
        if !self.enabled() {
            return Ok(());
        }
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = match buckets.get_mut(user) {
            Some(b) => b,
            None => buckets.entry(user.to_owned()).or_insert(Bucket {
                tokens: self.burst,
                at: now,
            }),
        };
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn allows_a_burst_then_limits_then_refills() {
        let limiter = RateLimiter::new(60, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at("alice", t0), Ok(()));
        }
        assert_eq!(limiter.check_at("alice", t0), Err(1));
        assert_eq!(limiter.check_at("bob", t0), Ok(()), "buckets are per user");
        assert_eq!(
            limiter.check_at("alice", t0 + Duration::from_millis(1000)),
            Ok(())
        );
        assert!(
            limiter
                .check_at("alice", t0 + Duration::from_millis(1000))
                .is_err()
        );
    }

    #[test]
    fn retry_after_reflects_the_rate() {
        let limiter = RateLimiter::new(6, 1);
        let t0 = Instant::now();
        assert_eq!(limiter.check_at("a", t0), Ok(()));
        assert_eq!(limiter.check_at("a", t0), Err(10));
    }

    #[test]
    fn zero_switches_it_off() {
        let limiter = RateLimiter::new(0, 0);
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert_eq!(limiter.check_at("a", t0), Ok(()));
        }
    }
}
