//! The variant's declared variable and value, its operation and the operation's parameters, and how a
//! form names the parent.

use std::fmt;

use super::VariantError;

/// A validated variable name: lowercase slug (`a-z`, `0-9`, `_`, `-`), starting with a letter,
/// 1–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Variable(String);

impl Variable {
    /// Parses a variable name.
    pub fn parse(s: &str) -> Result<Self, VariantError> {
        let s = s.trim();
        let ok = (1..=40).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(VariantError::Invalid(format!(
                "variable `{s}` must be 1–40 characters of a-z, 0-9, _ or -, starting with a letter (e.g. background)"
            )))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates a value: 1–80 characters, no control characters.
pub fn parse_value(s: &str) -> Result<String, VariantError> {
    let s = s.trim();
    if (1..=80).contains(&s.chars().count()) && !s.chars().any(char::is_control) {
        Ok(s.to_owned())
    } else {
        Err(VariantError::Invalid("value must be 1–80 characters".into()))
    }
}

/// What a variant does to its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Inpaint the mask away.
    Erase,
    /// Inpaint again with another seed.
    Fill,
    /// Recolor the masked element to an exact hex.
    Recolor,
    /// Blend a reference image into the mask.
    Composite,
    /// Attach an externally edited image.
    Import,
    /// Erase, then composite the reference onto the clean plate.
    EraseComposite,
    /// Adjust light and colour inside the mask (exposure, white balance, tone, saturation, or a
    /// match to the surroundings).
    Grade,
}

impl Operation {
    /// Every operation, for forms.
    pub const ALL: [Operation; 7] = [
        Operation::Erase,
        Operation::Fill,
        Operation::Recolor,
        Operation::Composite,
        Operation::EraseComposite,
        Operation::Grade,
        Operation::Import,
    ];

    /// Parses `erase|fill|recolor|composite|import|erase+composite|grade`.
    pub fn parse(s: &str) -> Result<Self, VariantError> {
        Ok(match s.trim() {
            "erase" => Operation::Erase,
            "fill" => Operation::Fill,
            "recolor" => Operation::Recolor,
            "composite" => Operation::Composite,
            "import" => Operation::Import,
            "erase+composite" => Operation::EraseComposite,
            "grade" => Operation::Grade,
            other => {
                return Err(VariantError::Invalid(format!(
                    "unknown operation `{other}`: expected erase, fill, recolor, composite, import, erase+composite or grade"
                )));
            }
        })
    }

    /// What the priming check may find at this operation's edge: a recolor or a grade keeps
    /// the structure, so only content edits can leave seams or break joints.
    pub fn edit_kind(self) -> ::imaging::EditKind {
        match self {
            Operation::Recolor | Operation::Grade => ::imaging::EditKind::Colour,
            Operation::Erase
            | Operation::Fill
            | Operation::Composite
            | Operation::Import
            | Operation::EraseComposite => ::imaging::EditKind::Content,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Erase => "erase",
            Operation::Fill => "fill",
            Operation::Recolor => "recolor",
            Operation::Composite => "composite",
            Operation::Import => "import",
            Operation::EraseComposite => "erase+composite",
            Operation::Grade => "grade",
        }
    }

    /// Whether it needs an uploaded reference image.
    pub fn needs_reference(self) -> bool {
        matches!(self, Operation::Composite | Operation::Import | Operation::EraseComposite)
    }

    /// Whether the engine made every pixel, so the audit must be exact.
    pub fn is_internal(self) -> bool {
        self != Operation::Import
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Operation parameters, stored as JSON text on the variant.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Grow the mask by this many px.
    pub grow: Option<u32>,
    /// Feather its edge over this many px.
    pub feather: Option<u32>,
    /// Inpainting seed (fill defaults to 1 so that it differs from erase).
    pub seed: Option<u64>,
    /// Target colour for recolor.
    pub hex: Option<String>,
    /// Recolor only a*/b*, keeping the element's lightness.
    pub keep_lightness: Option<bool>,
    /// The adjustments of a grade (absent for the other operations, and then not stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<::imaging::Grade>,
}

impl Params {
    /// Parses the JSON text (empty means defaults).
    pub fn parse(text: &str) -> Result<Self, VariantError> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        serde_json::from_str(text).map_err(|e| {
            VariantError::Invalid(format!(
                "params must be a JSON object like {{\"grow\":8,\"feather\":4}}: {e}"
            ))
        })
    }

    /// Grow in effect for `op`: recolor and grade keep to the element, the others cover its
    /// halo.
    pub fn grow_for(&self, op: Operation) -> u32 {
        self.grow.unwrap_or(match op {
            Operation::Recolor | Operation::Grade => 0,
            Operation::Import => 4,
            _ => 6,
        })
    }

    /// Feather in effect for `op`: a grade fades out softly, like an adjustment layer's mask.
    pub fn feather_for(&self, op: Operation) -> u32 {
        self.feather.unwrap_or(match op {
            Operation::Recolor => 1,
            Operation::Grade => 8,
            Operation::Import => 0,
            _ => 4,
        })
    }

    /// Seed in effect for `op`.
    pub fn seed_for(&self, op: Operation) -> u64 {
        self.seed.unwrap_or(u64::from(op == Operation::Fill))
    }
}

/// Which node a variant is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentRef {
    /// The master itself.
    Master(i32),
    /// Another variant.
    Variant(i32),
}

impl ParentRef {
    /// From the API's `parent_kind` and `parent_id`.
    pub fn parse(kind: &str, id: &str) -> Result<Self, VariantError> {
        let id: i32 = id
            .trim()
            .parse()
            .map_err(|_| VariantError::Invalid("parent_id must be a number".into()))?;
        match kind.trim() {
            "master" | "" => Ok(ParentRef::Master(id)),
            "variant" => Ok(ParentRef::Variant(id)),
            other => Err(VariantError::Invalid(format!(
                "parent_kind `{other}` must be master or variant"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_slugs() {
        assert!(Variable::parse("background").is_ok());
        assert!(Variable::parse("cta_color-2").is_ok());
        assert!(Variable::parse("Background").is_err());
        assert!(Variable::parse("").is_err());
        assert!(Variable::parse("2bg").is_err());
        assert!(Variable::parse(&"a".repeat(41)).is_err());
        assert!(parse_value(&"x".repeat(81)).is_err());
        assert_eq!(parse_value("  city ").unwrap(), "city");
    }

    #[test]
    fn operations_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::parse(op.as_str()).unwrap(), op);
        }
        assert!(Operation::parse("blur").is_err());
    }

    #[test]
    fn params_default_per_operation() {
        let p = Params::parse("").unwrap();
        assert_eq!(p.seed_for(Operation::Fill), 1);
        assert_eq!(p.grow_for(Operation::Erase), 6);
        assert_eq!((p.grow_for(Operation::Grade), p.feather_for(Operation::Grade)), (0, 8));
        assert!(Params::parse("{\"grwo\":3}").is_err());
    }
}
