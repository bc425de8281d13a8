//! Login throttling with `governor`'s keyed GCRA limiters: one quota per client address and one
//! per account, so neither a botnet guessing one account's password nor one address guessing
//! many accounts gets more than its share.
//!
//! Keys live in memory; every [`PRUNE_EVERY`] checks the keys whose bucket has refilled are
//! dropped, so a stream of made-up e-mails or addresses cannot grow the maps without bound.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// Checks between two prunings of the key maps.
pub const PRUNE_EVERY: u32 = 256;

type Keyed<K, C> =
    RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Which quota refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// Too many attempts from this address.
    Address,
    /// Too many attempts at this account.
    Account,
}

/// Per-address and per-account login quotas, refilling steadily over a minute.
pub struct LoginLimiter<C: Clock = DefaultClock> {
    by_address: Keyed<IpAddr, C>,
    by_account: Keyed<String, C>,
    checks: AtomicU32,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl LoginLimiter<DefaultClock> {
    /// Allows `per_address` attempts a minute from one address and `per_account` at one account.
    pub fn new(per_address: u32, per_account: u32) -> Self {
        Self::with_clock(per_address, per_account, DefaultClock::default())
    }
}

impl<C: Clock + Clone> LoginLimiter<C> {
    /// The same on another clock (tests drive a fake one).
    pub fn with_clock(per_address: u32, per_account: u32, clock: C) -> Self {
        Self {
            by_address: RateLimiter::new(
                per_minute(per_address),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            by_account: RateLimiter::new(
                per_minute(per_account),
                DefaultKeyedStateStore::default(),
                clock,
            ),
            checks: AtomicU32::new(0),
        }
    }

    /// Takes one attempt from `addr` at `account` (the normalised e-mail). The address is
    /// checked first, so attempts refused for the address do not use up the account's quota.
    pub fn check(&self, addr: IpAddr, account: &str) -> Result<(), Throttled> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
        self.by_address.check_key(&addr).map_err(|_| Throttled::Address)?;
        // An e-mail is at most 254 characters once valid; longer keys are cut so that junk
        // input cannot make the map's keys large.
        let key: String = account.chars().take(254).collect();
        self.by_account.check_key(&key).map_err(|_| Throttled::Account)
    }

    /// Drops every key whose quota has fully refilled (it behaves like a new key).
    pub fn prune(&self) {
        self.by_address.retain_recent();
        self.by_address.shrink_to_fit();
        self.by_account.retain_recent();
        self.by_account.shrink_to_fit();
    }

    /// Keys held in both maps.
    pub fn tracked(&self) -> usize {
        self.by_address.len() + self.by_account.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn the_attempt_after_the_address_quota_is_refused() {
        let limiter = LoginLimiter::new(3, 100);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert!((0..3).all(|i| limiter.check(a, &format!("u{i}@x.example")).is_ok()));
        assert_eq!(limiter.check(a, "other@x.example"), Err(Throttled::Address));
        assert!(limiter.check(b, "other@x.example").is_ok(), "other addresses keep their quota");
    }

    #[test]
    fn one_account_is_limited_across_addresses() {
        let limiter = LoginLimiter::new(100, 2);
        let addr = |i: u8| IpAddr::from([192, 0, 2, i]);
        assert!(limiter.check(addr(1), "ann@x.example").is_ok());
        assert!(limiter.check(addr(2), "ann@x.example").is_ok());
        assert_eq!(limiter.check(addr(3), "ann@x.example"), Err(Throttled::Account));
        assert!(limiter.check(addr(3), "bob@x.example").is_ok());
    }

    #[test]
    fn refilled_keys_are_pruned() {
        let clock = FakeRelativeClock::default();
        let limiter = LoginLimiter::with_clock(5, 5, clock.clone());
        for i in 0..50u8 {
            assert!(limiter.check(IpAddr::from([198, 51, 100, i]), &format!("u{i}@x")).is_ok());
        }
        assert_eq!(limiter.tracked(), 100);
        limiter.prune();
        assert_eq!(limiter.tracked(), 100, "keys used within the minute stay");
        clock.advance(Duration::from_secs(61));
        limiter.prune();
        assert_eq!(limiter.tracked(), 0, "a minute later every bucket has refilled");
    }
}
