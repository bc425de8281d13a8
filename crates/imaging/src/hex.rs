//! Brand colours as the user types them: `#RRGGBB`, parsed once into bytes.

use palette::Lab;
use palette::white_point::D65;

use crate::color::{Decoder, lab_from_linear};

/// A validated `#RRGGBB` colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct HexColor(pub [u8; 3]);

/// A colour that is not `#RRGGBB`.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a colour: expected #RRGGBB, e.g. #228B22")]
pub struct BadHex(pub String);

impl HexColor {
    /// Parses `#RRGGBB` (the `#` is optional, case-insensitive).
    pub fn parse(s: &str) -> Result<Self, BadHex> {
        let t = s.trim().trim_start_matches('#');
        if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BadHex(s.to_owned()));
        }
        let byte =
            |i: usize| u8::from_str_radix(&t[i..i + 2], 16).map_err(|_| BadHex(s.to_owned()));
        Ok(Self([byte(0)?, byte(2)?, byte(4)?]))
    }

    /// The colour in CIELAB (D65).
    pub fn lab(self) -> Lab<D65, f32> {
        lab_from_linear(Decoder::new().linear(self.0))
    }
}

impl std::fmt::Display for HexColor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02X}{:02X}{:02X}", self.0[0], self.0[1], self.0[2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_parses_and_prints() {
        assert_eq!(HexColor::parse("#228b22").unwrap().0, [0x22, 0x8B, 0x22]);
        assert_eq!(HexColor::parse(" 228B22 ").unwrap().to_string(), "#228B22");
        assert!(HexColor::parse("#12345").is_err());
        assert!(HexColor::parse("#GG0000").is_err());
        let green = HexColor::parse("#228B22").unwrap().lab();
        assert!((green.l - 50.6).abs() < 0.1 && green.a < -40.0 && green.b > 40.0, "{green:?}");
    }
}
