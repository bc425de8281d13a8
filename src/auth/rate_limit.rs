//! Login throttling per client address, with `governor`'s keyed GCRA limiter.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Allows `per_minute` login attempts per address, refilling steadily.
pub struct LoginLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginLimiter {
    /// A limiter allowing `per_minute` attempts (at least one).
    pub fn new(per_minute: u32) -> Self {
        let quota =
            Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN));
        Self { limiter: RateLimiter::keyed(quota) }
    }

    /// Takes one attempt for `addr`; false when the address is over its quota.
    pub fn try_attempt(&self, addr: IpAddr) -> bool {
        self.limiter.check_key(&addr).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_after_the_quota_is_refused() {
        let limiter = LoginLimiter::new(3);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert!((0..3).all(|_| limiter.try_attempt(a)));
        assert!(!limiter.try_attempt(a));
        assert!(limiter.try_attempt(b), "other addresses keep their own quota");
    }
}
