//! Where to go after login: only a path on this site.
//!
//! Browsers forgive a lot in a `Location`: they drop tabs and newlines, treat `\` as `/`, and
//! read `//host` (and so `/\t/host`) as another host. So the candidate is percent-decoded a few
//! times, and any form with a control character, a backslash or a leading `//` is refused; what
//! survives is parsed against a dummy origin and re-serialised, so the answer is a normalised
//! absolute path that cannot name another host.

use url::Url;

/// The longest `next` followed; longer ones are not a page of this site.
const MAX_LEN: usize = 2048;

/// `next` if it is a path on this site, else `/`.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_string())
}

fn looks_foreign(s: &str) -> bool {
    !s.starts_with('/')
        || s.starts_with("//")
        || s.contains('\\')
        || s.chars().any(|c| c.is_control() || (c.is_whitespace() && c != ' '))
}

fn local_path(raw: &str) -> Option<String> {
    if raw.len() > MAX_LEN {
        return None;
    }
    // Each decoding layer a proxy or browser might apply must be harmless too.
    let mut layer = raw.to_string();
    for _ in 0..3 {
        if looks_foreign(&layer) {
            return None;
        }
        let decoded = percent_decode(&layer);
        if decoded == layer {
            break;
        }
        layer = decoded;
    }
    if looks_foreign(&layer) {
        return None;
    }
    let origin = Url::parse("http://liftmask.invalid/").ok()?;
    let url = origin.join(raw).ok()?;
    if url.origin() != origin.origin() {
        return None;
    }
    let mut path = url.path().to_string();
    if path.starts_with("//") {
        return None;
    }
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    Some(path)
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn local_paths_are_kept_and_normalised() {
        assert_eq!(safe_next(Some("/masters/3")), "/masters/3");
        assert_eq!(safe_next(Some("/imports?page=2&x=a+b")), "/imports?page=2&x=a+b");
        assert_eq!(safe_next(Some("/a/../variants/1")), "/variants/1");
        assert_eq!(safe_next(Some("/reports/caf%C3%A9")), "/reports/caf%C3%A9");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn anything_a_browser_could_read_as_another_host_falls_back_to_the_root() {
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2509/evil.example",
            "/%5C/evil.example",
            "/%2F/evil.example",
            "/\n/evil.example",
            "/%0d%0aSet-Cookie:x=1",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/\u{0}x",
            "/\u{3000}/evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
    }
}
