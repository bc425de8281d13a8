//! Grade variants: checking a grade's parameters when the variant is created, running it when
//! the variant renders, and describing it for the variant page. The pixel maths lives in
//! `crates/imaging`; this module only connects it to the variant's stored parameters.

use image::{GrayImage, RgbImage};
use imaging::GradeError;

use crate::services::variants::{Operation, Params, VariantError};

/// Refuses a grade variant without a valid, non-neutral grade, and grade parameters on any
/// other operation (they would be stored but never applied).
pub fn check(op: Operation, params: &Params) -> Result<(), VariantError> {
    let invalid = |e: GradeError| VariantError::Invalid(format!("grade: {e}"));
    match (op, &params.grade) {
        (Operation::Grade, Some(g)) => {
            g.validate().map_err(invalid)?;
            if g.is_neutral() { Err(invalid(GradeError::Neutral)) } else { Ok(()) }
        }
        (Operation::Grade, None) => Err(VariantError::Invalid(
            "grade needs its adjustments in params, e.g. {\"grade\":{\"exposure\":0.5}}".into(),
        )),
        (_, Some(_)) => Err(VariantError::Invalid(format!(
            "`grade` parameters only apply to operation grade, not {op}"
        ))),
        (_, None) => Ok(()),
    }
}

/// A rendered grade.
#[derive(Debug, Clone)]
pub struct GradeOutput {
    /// The result, bit-identical to the parent wherever `alpha` is 0.
    pub image: RgbImage,
    /// For a match: ΔE2000 between the region's mean after the grade and its ring's mean.
    pub delta_e: Option<f64>,
}

/// Runs the grade stored in `params` on `parent` under the prepared `alpha`.
pub fn render(
    parent: &RgbImage,
    alpha: &GrayImage,
    params: &Params,
) -> Result<GradeOutput, GradeError> {
    let g = params.grade.as_ref().ok_or(GradeError::Neutral)?;
    let out = imaging::grade(parent, alpha, g)?;
    Ok(GradeOutput { image: out.image, delta_e: out.matched.map(|m| f64::from(m.delta_e)) })
}

/// One line of a grade's description on the variant page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Adjustment {
    pub name: &'static str,
    /// By how much, in the units of the control.
    pub amount: String,
}

/// The non-neutral adjustments of a stored grade, in the order they are applied; empty when
/// the parameters hold no grade.
pub fn describe(params_json: &str) -> Vec<Adjustment> {
    let Some(g) = Params::parse(params_json).ok().and_then(|p| p.grade) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |name, amount: String| out.push(Adjustment { name, amount });
    if let Some(r) = g.match_ring {
        push("Match surroundings", format!("Lab mean and spread of a {r} px ring"));
    }
    let signed =
        |v: f32, plus: &str, minus: &str| format!("{v:+.0}{}", if v > 0.0 { plus } else { minus });
    for (name, v, plus, minus) in [
        ("Temperature", g.temperature, " (warmer)", " (cooler)"),
        ("Tint", g.tint, " (magenta)", " (green)"),
    ] {
        if v != 0.0 {
            push(name, signed(v, plus, minus));
        }
    }
    if g.exposure != 0.0 {
        push("Exposure", format!("{:+.2} EV", g.exposure));
    }
    for (name, v) in
        [("Contrast", g.contrast), ("Highlights", g.highlights), ("Shadows", g.shadows)]
    {
        if v != 0.0 {
            push(name, signed(v, "", ""));
        }
    }
    if !g.curve.is_empty() {
        let pts: Vec<String> = g.curve.iter().map(|[x, y]| format!("{x:.0}→{y:.0}")).collect();
        push("Tone curve (L*)", pts.join(", "));
    }
    if g.saturation != 0.0 {
        push("Saturation", signed(g.saturation, "", ""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_params_are_checked_against_the_operation() {
        let p = |json: &str| Params::parse(json).unwrap();
        assert!(check(Operation::Grade, &p(r#"{"grade":{"exposure":1}}"#)).is_ok());
        let msg = |op, json: &str| check(op, &p(json)).unwrap_err().to_string();
        assert!(msg(Operation::Grade, r#"{"grade":{"exposure":9}}"#).contains("exposure = 9"));
        assert!(msg(Operation::Grade, r#"{"grade":{}}"#).contains("changes nothing"));
        assert!(msg(Operation::Grade, "{}").contains("needs its adjustments"));
        assert!(msg(Operation::Erase, r#"{"grade":{"tint":5}}"#).contains("only apply"));
        assert!(Params::parse(r#"{"grade":{"warmth":5}}"#).is_err());
    }

    #[test]
    fn descriptions_list_what_changes_in_order() {
        let d = describe(
            r#"{"grade":{"temperature":30,"exposure":0.5,"curve":[[25,20]],"match_ring":12}}"#,
        );
        let names: Vec<&str> = d.iter().map(|a| a.name).collect();
        assert_eq!(names, ["Match surroundings", "Temperature", "Exposure", "Tone curve (L*)"]);
        assert_eq!(d[1].amount, "+30 (warmer)");
        assert_eq!(d[2].amount, "+0.50 EV");
        assert_eq!(d[3].amount, "25→20");
        assert!(describe(r#"{"grow":3}"#).is_empty());
    }
}
