//! Date cells as the platforms emit them.
//!
//! Accepted forms:
//! - ISO `2026-09-01`, optionally followed by a time (`2026-09-01 00:00:00`, `2026-09-01T00:00`),
//!   which TikTok adds to `By Day`; also `2026/09/01`.
//! - Slashed `09/01/2026` (US, month first) or `01/09/2026` (EU, day first). The order is decided
//!   once per column: a first component above 12 proves day-first, a second above 12 proves
//!   month-first; without proof the file's locale decides (decimal comma → day-first).
//! - Dotted `01.09.2026` (always day first, German style).
//! - Spelled-out English months: `Sep 1, 2026`, `September 1, 2026`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::numbers::trim_cell;

/// Component order of slashed dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// `09/01/2026` is September 1 (US exports).
    MonthFirst,
    /// `01/09/2026` is September 1 (EU exports).
    DayFirst,
}

/// Why a date cell was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not one of the accepted forms.
    #[error("not a date (expected YYYY-MM-DD, MM/DD/YYYY, DD/MM/YYYY or DD.MM.YYYY)")]
    Syntax,
    /// Well-formed but impossible, e.g. `2026-02-30`.
    #[error("no such calendar date")]
    Invalid,
    /// The column mixes `13/01/2026` and `01/13/2026`, so the order is unknowable.
    #[error("slashed dates in this column contradict each other (day-first and month-first)")]
    Conflict,
}

fn num(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 4 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
}

/// Splits `a<sep>b<sep>yyyy` into its three numbers.
fn three_parts(s: &str, sep: u8) -> Option<(u32, u32, u32)> {
    let mut it = s.as_bytes().split(|&b| b == sep);
    let (a, b, c) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || a.len() > 2 || b.len() > 2 || c.len() != 4 {
        return None;
    }
    Some((num(a)?, num(b)?, num(c)?))
}

/// Evidence a slashed date gives about the column's order: `None` when `cell` is no slashed
/// date, else the order it proves, if it proves one.
pub(crate) fn slash_hint(cell: &str) -> Option<Option<DateOrder>> {
    let (a, b, _) = three_parts(trim_cell(cell), b'/')?;
    Some(match (a > 12, b > 12) {
        (true, false) => Some(DateOrder::DayFirst),
        (false, true) => Some(DateOrder::MonthFirst),
        _ => None,
    })
}

fn ymd(y: u32, m: u32, d: u32) -> Result<NaiveDate, DateError> {
    let y = i32::try_from(y).map_err(|_| DateError::Invalid)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateError::Invalid)
}

/// Parses one date cell; `order` resolves slashed dates.
pub fn parse_date(cell: &str, order: DateOrder) -> Result<NaiveDate, DateError> {
    let s = trim_cell(cell);
    let b = s.as_bytes();
    // Fast path: ISO with `-` or `/`, the form of nearly every export, with an optional time.
    if b.len() >= 10
        && (b[4] == b'-' || b[4] == b'/')
        && b[7] == b[4]
        && (b.len() == 10 || b[10] == b' ' || b[10] == b'T')
    {
        let (y, m, d) = (num(&b[0..4]), num(&b[5..7]), num(&b[8..10]));
        return match (y, m, d) {
            (Some(y), Some(m), Some(d)) => ymd(y, m, d),
            _ => Err(DateError::Syntax),
        };
    }
    if let Some((a, b2, y)) = three_parts(s, b'/') {
        return match order {
            DateOrder::MonthFirst => ymd(y, a, b2),
            DateOrder::DayFirst => ymd(y, b2, a),
        };
    }
    if let Some((d, m, y)) = three_parts(s, b'.') {
        return ymd(y, m, d);
    }
    if s.bytes().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return NaiveDate::parse_from_str(s, "%B %d, %Y").map_err(|_| DateError::Syntax);
    }
    Err(DateError::Syntax)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn iso_forms() {
        let o = DateOrder::MonthFirst;
        assert_eq!(parse_date("2026-09-01", o), Ok(d(2026, 9, 1)));
        assert_eq!(parse_date(" 2026-09-01 00:00:00", o), Ok(d(2026, 9, 1)));
        assert_eq!(parse_date("2026-09-01T10:00", o), Ok(d(2026, 9, 1)));
        assert_eq!(parse_date("2026/09/01", o), Ok(d(2026, 9, 1)));
        assert_eq!(parse_date("2026-02-30", o), Err(DateError::Invalid));
        assert_eq!(parse_date("2026-09-0x", o), Err(DateError::Syntax));
        assert_eq!(parse_date("2026-09-011", o), Err(DateError::Syntax));
    }

    #[test]
    fn slashed_dates_follow_the_order() {
        assert_eq!(parse_date("09/01/2026", DateOrder::MonthFirst), Ok(d(2026, 9, 1)));
        assert_eq!(parse_date("01/09/2026", DateOrder::DayFirst), Ok(d(2026, 9, 1)));
        assert_eq!(parse_date("13/01/2026", DateOrder::MonthFirst), Err(DateError::Invalid));
        assert_eq!(slash_hint("13/01/2026"), Some(Some(DateOrder::DayFirst)));
        assert_eq!(slash_hint("01/13/2026"), Some(Some(DateOrder::MonthFirst)));
        assert_eq!(slash_hint("01/02/2026"), Some(None));
        assert_eq!(slash_hint("2026-01-02"), None);
    }

    #[test]
    fn other_forms() {
        let o = DateOrder::MonthFirst;
        assert_eq!(parse_date("01.09.2026", o), Ok(d(2026, 9, 1)));
        assert_eq!(parse_date("Sep 1, 2026", o), Ok(d(2026, 9, 1)));
        assert_eq!(parse_date("September 1, 2026", o), Ok(d(2026, 9, 1)));
        for bad in ["", "Total: Account", "2026", "1/2/26", "é"] {
            assert!(parse_date(bad, o).is_err(), "{bad:?}");
        }
    }
}
