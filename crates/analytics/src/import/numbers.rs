//! Localized number parsing for export cells.
//!
//! Exports format numbers for humans: `"1,250.50"`, `1 234,56` (with a plain, no-break or narrow
//! no-break space), `2.35%`, `--`. Spend must stay exact, so money is parsed into integer micros
//! with integer arithmetic; floats are only produced for fields where the platforms themselves
//! report fractions (conversions).

use serde::{Deserialize, Serialize};

/// Which character separates the integer part from the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalSeparator {
    /// `1,234.56`: `.` is the decimal mark, `,` groups thousands (English exports).
    Point,
    /// `1 234,56` or `1.234,56`: `,` is the decimal mark (French and most EU exports).
    Comma,
}

impl DecimalSeparator {
    fn decimal_byte(self) -> u8 {
        match self {
            Self::Point => b'.',
            Self::Comma => b',',
        }
    }

    /// Whether `c` may group thousands under this locale. Spaces of every kind are accepted
    /// because spreadsheet tools emit U+00A0 or U+202F instead of a plain space.
    fn is_group(self, c: char) -> bool {
        match c {
            ' ' | '\u{a0}' | '\u{202f}' | '\'' => true,
            ',' => self == Self::Point,
            '.' => self == Self::Comma,
            _ => false,
        }
    }
}

/// Why a cell is not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// The text is not a number in the file's locale.
    #[error("not a number")]
    Syntax,
    /// More digits than the target type can hold.
    #[error("number out of range")]
    Overflow,
    /// Counts cannot be fractional.
    #[error("expected a whole number")]
    Fractional,
    /// Counts and money cannot be negative.
    #[error("negative value")]
    Negative,
    /// Money is kept in micros; more than six decimals would silently round.
    #[error("more than 6 decimal places")]
    TooPrecise,
    /// A percentage where a plain number is expected.
    #[error("unexpected percent sign")]
    Percent,
}

/// A number as written, before it is converted to a target type: `digits` without any grouping,
/// `scale` digits after the decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    mantissa: u128,
    scale: u32,
    percent: bool,
}

/// Trims surrounding whitespace, skipping the Unicode-aware scan for the common cell that
/// starts and ends with a visible ASCII character.
pub fn trim_cell(cell: &str) -> &str {
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// Whether a cell means "no value": empty, whitespace, or the `--` Google and TikTok print.
pub fn is_null_cell(cell: &str) -> bool {
    let t = trim_cell(cell);
    t.is_empty() || t == "--"
}

/// Parses the textual number grammar shared by every platform.
fn parse_decimal(cell: &str, sep: DecimalSeparator) -> Result<Decimal, NumberError> {
    let mut s = trim_cell(cell);
    let mut percent = false;
    if let Some(rest) = s.strip_suffix('%') {
        percent = true;
        s = rest.trim_end();
    }
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    let dec = sep.decimal_byte();
    let mut mantissa: u128 = 0;
    let mut scale = 0u32;
    let mut digits = 0usize;
    let mut in_fraction = false;
    // A group separator must sit between two digits of the integer part.
    let mut prev_digit = false;
    let mut pending_group = false;
    // Bytes, not chars: cells are ASCII but for the odd no-break space, which is decoded where
    // it stands.
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii_digit() {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(b - b'0')))
                .ok_or(NumberError::Overflow)?;
            digits += 1;
            if in_fraction {
                scale += 1;
            }
            prev_digit = true;
            pending_group = false;
            i += 1;
            continue;
        }
        let c = if b.is_ascii() {
            char::from(b)
        } else {
            s.get(i..).and_then(|rest| rest.chars().next()).ok_or(NumberError::Syntax)?
        };
        i += c.len_utf8();
        if b == dec && !in_fraction && !pending_group {
            in_fraction = true;
            prev_digit = false;
        } else if sep.is_group(c) && !in_fraction && prev_digit {
            pending_group = true;
            prev_digit = false;
        } else {
            return Err(NumberError::Syntax);
        }
    }
    if digits == 0 || pending_group {
        return Err(NumberError::Syntax);
    }
    Ok(Decimal { negative: negative && mantissa != 0, mantissa, scale, percent })
}

/// Parses a non-negative whole count (impressions, clicks). `None` for a null cell.
/// A zero fraction (`12.00`) is accepted because some exports format every metric alike.
pub fn parse_count(cell: &str, sep: DecimalSeparator) -> Result<Option<i64>, NumberError> {
    if is_null_cell(cell) {
        return Ok(None);
    }
    let d = parse_decimal(cell, sep)?;
    if d.percent {
        return Err(NumberError::Percent);
    }
    if d.negative {
        return Err(NumberError::Negative);
    }
    if d.scale == 0 {
        // The usual count: no 128-bit division.
        return i64::try_from(d.mantissa).map(Some).map_err(|_| NumberError::Overflow);
    }
    let unit = 10u128.checked_pow(d.scale).ok_or(NumberError::Overflow)?;
    if d.mantissa % unit != 0 {
        return Err(NumberError::Fractional);
    }
    i64::try_from(d.mantissa / unit).map(Some).map_err(|_| NumberError::Overflow)
}

/// Parses a non-negative amount of money into integer micros (1e-6 of the currency unit).
pub fn parse_micros(cell: &str, sep: DecimalSeparator) -> Result<Option<i64>, NumberError> {
    if is_null_cell(cell) {
        return Ok(None);
    }
    let d = parse_decimal(cell, sep)?;
    if d.percent {
        return Err(NumberError::Percent);
    }
    if d.negative {
        return Err(NumberError::Negative);
    }
    if d.scale > 6 {
        return Err(NumberError::TooPrecise);
    }
    let micros = d.mantissa.checked_mul(10u128.pow(6 - d.scale)).ok_or(NumberError::Overflow)?;
    i64::try_from(micros).map(Some).map_err(|_| NumberError::Overflow)
}

/// Powers of ten that are exact doubles.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a real number (conversions can be fractional when attribution splits credit).
/// `2.35%` yields `0.0235`, so rate columns can be read with the same function.
pub fn parse_real(cell: &str, sep: DecimalSeparator) -> Result<Option<f64>, NumberError> {
    if is_null_cell(cell) {
        return Ok(None);
    }
    let d = parse_decimal(cell, sep)?;
    let small = u64::try_from(d.mantissa).ok().filter(|&m| m < (1 << 53));
    let mut value = if let Some(m) = small
        && d.scale <= 22
    {
        // Both operands are exact doubles, so one IEEE division is correctly rounded (and a
        // 64-bit conversion is a single instruction, a 128-bit one a library call).
        m as f64 / POW10[d.scale as usize]
    } else {
        // Rare long literals: rebuild plain ASCII so std's correctly rounded parser decides.
        let unit = 10u128.checked_pow(d.scale).ok_or(NumberError::Overflow)?;
        let text = format!("{}.{:0w$}", d.mantissa / unit, d.mantissa % unit, w = d.scale as usize);
        text.parse().map_err(|_| NumberError::Syntax)?
    };
    if d.percent {
        value /= 100.0;
    }
    if d.negative {
        value = -value;
    }
    if value.is_finite() { Ok(Some(value)) } else { Err(NumberError::Overflow) }
}

#[cfg(test)]
mod tests {
    use super::DecimalSeparator::{Comma, Point};
    use super::*;

    #[test]
    fn nulls() {
        assert_eq!(parse_count("--", Point), Ok(None));
        assert_eq!(parse_count("  ", Point), Ok(None));
        assert_eq!(parse_micros("", Comma), Ok(None));
        assert_eq!(parse_real(" -- ", Point), Ok(None));
    }

    #[test]
    fn english_grouping() {
        assert_eq!(parse_micros("1,250.50", Point), Ok(Some(1_250_500_000)));
        assert_eq!(parse_count("1,234,567", Point), Ok(Some(1_234_567)));
        assert_eq!(parse_count("12.00", Point), Ok(Some(12)));
        assert_eq!(parse_count("12.5", Point), Err(NumberError::Fractional));
        assert_eq!(parse_count("1,,234", Point), Err(NumberError::Syntax));
        assert_eq!(parse_count(",1", Point), Err(NumberError::Syntax));
        assert_eq!(parse_count("1,", Point), Err(NumberError::Syntax));
    }

    #[test]
    fn french_grouping_with_every_space() {
        for s in ["1 234,56", "1\u{a0}234,56", "1\u{202f}234,56", "1.234,56", "1234,56"] {
            assert_eq!(parse_micros(s, Comma), Ok(Some(1_234_560_000)), "{s:?}");
        }
        assert_eq!(parse_real("0,5", Comma), Ok(Some(0.5)));
        assert_eq!(parse_micros("1,234.56", Comma), Err(NumberError::Syntax));
    }

    #[test]
    fn percentages_and_signs() {
        assert_eq!(parse_real("2.35%", Point), Ok(Some(0.0235)));
        assert_eq!(parse_real("2,35 %", Comma), Ok(Some(0.0235)));
        assert_eq!(parse_count("5%", Point), Err(NumberError::Percent));
        assert_eq!(parse_micros("-1.00", Point), Err(NumberError::Negative));
        assert_eq!(parse_micros("-0.00", Point), Ok(Some(0)));
        assert_eq!(parse_real("-1.5", Point), Ok(Some(-1.5)));
    }

    #[test]
    fn money_is_exact() {
        assert_eq!(parse_micros("0.1", Point), Ok(Some(100_000)));
        assert_eq!(parse_micros("0.000001", Point), Ok(Some(1)));
        assert_eq!(parse_micros("0.0000001", Point), Err(NumberError::TooPrecise));
        assert_eq!(parse_micros("99999999999999999999", Point), Err(NumberError::Overflow));
    }

    #[test]
    fn garbage_is_an_error() {
        for s in ["abc", "1.2.3", "1e5", "$12", "-", ".", "１２"] {
            assert!(parse_real(s, Point).is_err(), "{s:?}");
        }
    }
}
