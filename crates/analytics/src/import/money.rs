//! Exact money and validated currency codes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An exact amount of money in integer micros (1e-6 of the currency unit), the unit Google's API
/// uses for `cost_micros`. Sums of micros are exact, unlike sums of floats.
///
/// Serialized as a JSON number in currency units (`12.5`); serde_json prints the shortest text
/// that round-trips, which is the exact decimal for any amount with at most 15 significant
/// digits (below one billion units at full micro precision).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(into = "f64", try_from = "f64")]
pub struct Money(i64);

impl Money {
    /// Zero in any currency.
    pub const ZERO: Money = Money(0);

    /// Wraps an amount given in micros.
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// The amount in micros (what a database column should store).
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// Adds two amounts, `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// The amount in currency units as a float, for statistics (not for storage).
    pub fn as_f64(self) -> f64 {
        if self.0.unsigned_abs() < (1 << 53) {
            // The micros are an exact double, so one division is correctly rounded.
            self.0 as f64 / 1e6
        } else {
            // Converting a huge i64 to f64 would round twice; parse the exact decimal instead.
            self.to_string().parse().unwrap_or(f64::NAN)
        }
    }
}

impl From<Money> for f64 {
    fn from(m: Money) -> f64 {
        m.as_f64()
    }
}

/// Why a float cannot become [`Money`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("amount is not a finite number of currency units within range")]
pub struct MoneyRangeError;

impl TryFrom<f64> for Money {
    type Error = MoneyRangeError;

    fn try_from(units: f64) -> Result<Self, Self::Error> {
        let micros = (units * 1e6).round();
        // i64::MAX is not exactly representable; stay strictly inside the range.
        if micros.is_finite() && micros.abs() < 9.2e18 {
            Ok(Money(micros as i64))
        } else {
            Err(MoneyRangeError)
        }
    }
}

impl fmt::Display for Money {
    /// Exact decimal text with trailing fractional zeros removed: `1250.5`, `3`, `0.000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (units, frac) = (abs / 1_000_000, abs % 1_000_000);
        if frac == 0 {
            write!(f, "{sign}{units}")
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{sign}{units}.{}", digits.trim_end_matches('0'))
        }
    }
}

/// An ISO 4217-shaped currency code: three ASCII capital letters, e.g. `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Currency([u8; 3]);

/// Why a text is not a currency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a three-letter currency code: {0:?}")]
pub struct CurrencyError(pub String);

impl Currency {
    /// Accepts `eur`, ` EUR ` and `EUR`; rejects anything but three ASCII letters.
    pub fn parse(text: &str) -> Result<Self, CurrencyError> {
        let t = text.trim();
        match t.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_alphabetic()) => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase(), c.to_ascii_uppercase()]))
            }
            _ => Err(CurrencyError(text.to_owned())),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_exact() {
        assert_eq!(Money::from_micros(1_250_500_000).to_string(), "1250.5");
        assert_eq!(Money::from_micros(3_000_000).to_string(), "3");
        assert_eq!(Money::from_micros(1).to_string(), "0.000001");
        assert_eq!(Money::from_micros(-1_500_000).to_string(), "-1.5");
    }

    #[test]
    fn json_number_round_trips() {
        let m = Money::from_micros(123_456_789_012_340_000);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "123456789012.34");
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert_eq!(serde_json::to_string(&Money::from_micros(100_000)).unwrap(), "0.1");
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse(" eur ").unwrap().as_str(), "EUR");
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert!(Currency::parse("€").is_err());
        assert_eq!(serde_json::to_string(&Currency::parse("JPY").unwrap()).unwrap(), "\"JPY\"");
    }
}
