//! When to try again: exponential backoff with equal jitter, and `Retry-After`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// No backoff grows past this (unless the base delay itself is larger).
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A cheap, lock-free xorshift64* source for jitter: spreading retries out needs no
/// cryptographic randomness, and it keeps `rand` out of the build.
#[derive(Debug)]
pub(crate) struct Jitter(AtomicU64);

impl Jitter {
    pub(crate) fn from_clock() -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0x9E37_79B9_7F4A_7C15, |d| {
                u64::from(d.subsec_nanos()) ^ d.as_secs().rotate_left(32)
            });
        Self(AtomicU64::new(nanos | 1))
    }

    /// A number in `[0, 1)`.
    pub(crate) fn next_fraction(&self) -> f64 {
        let step = |mut x: u64| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x
        };
        let previous = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| Some(step(x)))
            .unwrap_or_else(|x| x);
        let out = step(previous).wrapping_mul(0x2545_F491_4F6C_DD1D);
        // The top 53 bits fit an f64's mantissa exactly.
        #[expect(
            clippy::cast_precision_loss,
            reason = "53 bits are exactly representable"
        )]
        let fraction = (out >> 11) as f64 / (1u64 << 53) as f64;
        fraction
    }
}

/// The delay before retry number `retry` (0 for the first): `base · 2^retry`, capped, with
/// equal jitter (half fixed, half random) so that clients do not retry in lockstep.
pub(crate) fn backoff(base: Duration, retry: u32, jitter: f64) -> Duration {
    let exp = base.saturating_mul(1u32 << retry.min(16));
    let capped = exp.min(MAX_BACKOFF.max(base));
    let half = capped / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// `Retry-After` as delta-seconds or an HTTP date; a date in the past means now.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_jitter_band_and_is_capped() {
        let base = Duration::from_millis(100);
        for retry in 0..4 {
            let full = base * (1 << retry);
            assert_eq!(backoff(base, retry, 0.0), full / 2);
            assert_eq!(backoff(base, retry, 1.0), full);
            let mid = backoff(base, retry, 0.5);
            assert!(mid > full / 2 && mid < full, "{mid:?}");
        }
        assert_eq!(backoff(base, 40, 1.0), MAX_BACKOFF);
        assert_eq!(
            backoff(Duration::from_secs(60), 3, 1.0),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn jitter_stays_in_range_and_varies() {
        let j = Jitter::from_clock();
        let values: Vec<f64> = (0..1000).map(|_| j.next_fraction()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let mean = values.iter().sum::<f64>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "{mean}");
        assert!(
            values
                .windows(2)
                .all(|w| (w[0] - w[1]).abs() > f64::EPSILON)
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
