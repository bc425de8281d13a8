//! Variant short codes in ad names.
//!
//! Every liftmask variant has a short code `LM-XXXX` (four of `0-9A-Z`). Teams paste it into the
//! ad name when they upload the creative, so an import can map such ads to their variant
//! without a manual mapping.

/// The first variant code in `ad_name`, e.g. `LM-7F3K` in `Summer | LM-7F3K | 1:1`, and in a
/// format sibling's `LM-7F3K-916` (the placement suffix stands apart, so placements share an arm).
/// A code must stand alone: `XLM-7F3K` or `LM-7F3KZ` are not codes.
pub fn variant_code(ad_name: &str) -> Option<&str> {
    code_span(ad_name).and_then(|(start, end)| ad_name.get(start..end))
}

/// Byte range of the first standalone code in `ad_name`.
fn code_span(ad_name: &str) -> Option<(usize, usize)> {
    let b = ad_name.as_bytes();
    let is_code_char = |c: u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    let mut from = 0;
    while let Some(pos) = ad_name.get(from..).and_then(|s| s.find("LM-")) {
        let start = from + pos;
        let end = start + 7;
        let standalone_left = start == 0 || !b[start - 1].is_ascii_alphanumeric();
        let body_ok =
            b.get(start + 3..end).is_some_and(|body| body.iter().all(|&c| is_code_char(c)));
        let standalone_right = b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
        if standalone_left && body_ok && standalone_right {
            return Some((start, end));
        }
        from = start + 1;
    }
    None
}

/// The placement suffix that follows the variant code in `ad_name`: `916` in `Story | LM-7F3K-916`,
/// `None` for the plain code (the source creative) or a name without a code. Only digits after one
/// hyphen count, standing alone on the right, so `LM-7F3K-v2` or `LM-7F3K-916x` carry no placement;
/// which suffixes are placements is the caller's to decide.
pub fn placement_suffix(ad_name: &str) -> Option<&str> {
    let (_, end) = code_span(ad_name)?;
    let rest = ad_name.get(end..)?.strip_prefix('-')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let standalone = rest.as_bytes().get(digits).is_none_or(|c| !c.is_ascii_alphanumeric());
    (digits > 0 && standalone).then(|| rest.get(..digits)).flatten()
}

#[cfg(test)]
mod tests {
    use super::{placement_suffix, variant_code};

    #[test]
    fn finds_the_placement_after_the_code() {
        assert_eq!(placement_suffix("Story | LM-7F3K-916"), Some("916"));
        assert_eq!(placement_suffix("LM-7F3K-191_v2"), Some("191"));
        assert_eq!(placement_suffix("Feed LM-7F3K-45 | FR"), Some("45"));
        assert_eq!(placement_suffix("XLM-0000-11 LM-9Z9Z-11"), Some("11"));
        for name in ["Hero | LM-7F3K", "LM-7F3K-v2", "LM-7F3K-916x", "LM-7F3K-", "Control", ""] {
            assert_eq!(placement_suffix(name), None, "{name:?}");
        }
    }

    #[test]
    fn finds_standalone_codes() {
        assert_eq!(variant_code("Summer | LM-7F3K | 1:1"), Some("LM-7F3K"));
        assert_eq!(variant_code("LM-0000"), Some("LM-0000"));
        assert_eq!(variant_code("hero_LM-AB12_v2"), Some("LM-AB12"));
        assert_eq!(variant_code("XLM-7F3K LM-9Z9Z"), Some("LM-9Z9Z"));
        // A format sibling's placement suffix names the same arm.
        assert_eq!(variant_code("Story | LM-7F3K-916"), Some("LM-7F3K"));
        assert_eq!(variant_code("LM-7F3K-191_v2"), Some("LM-7F3K"));
        assert_eq!(variant_code("Café LM-ÉF3K"), None);
    }

    #[test]
    fn rejects_near_misses() {
        for name in ["LM-7f3k", "LM-7F3", "LM-7F3KZ", "XLM-7F3K", "lm-7F3K", "LM7F3K", "", "LM-"] {
            assert_eq!(variant_code(name), None, "{name:?}");
        }
    }
}
