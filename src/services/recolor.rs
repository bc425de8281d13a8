//! Recolor variants: running the stored target on the parent, and the audit's sentence about the
//! result. The pixel maths, and the typical-colour statistic the audit's ΔE2000 is measured on,
//! live in `imaging::recolor`; this module only connects them to the variant's parameters.

use image::{GrayImage, RgbImage};
pub use imaging::{BadHex, HexColor};
use imaging::{Reach, RecolorError, RecolorReport, Recolored};

use crate::services::variants::Params;

/// Why a stored recolor cannot render.
#[derive(Debug, thiserror::Error)]
pub enum RecolorFailure {
    /// The stored target is not a colour.
    #[error(transparent)]
    Hex(#[from] BadHex),
    /// The pixels cannot be recolored (an empty or mis-sized mask).
    #[error(transparent)]
    Pixels(#[from] RecolorError),
}

/// Recolors `parent` under the prepared `alpha` to the `hex` stored in `params`.
pub fn render(
    parent: &RgbImage,
    alpha: &GrayImage,
    params: &Params,
) -> Result<(Recolored, HexColor), RecolorFailure> {
    let target = HexColor::parse(params.hex.as_deref().unwrap_or_default())?;
    let out = imaging::recolor(parent, alpha, target, params.keep_lightness.unwrap_or(false))?;
    Ok((out, target))
}

/// The audit's sentence about a recolor: where the diffuse tone landed, whether the shading
/// survived and what the gamut cost, or why the target was out of reach.
pub fn note(r: &RecolorReport, target: HexColor) -> String {
    let shading = match r.lightness_correlation {
        Some(c) => format!("shading kept (L* correlation {c:.3})"),
        None => "the element is flat, no shading to keep".to_owned(),
    };
    let gamut = match r.gamut_mapped_px {
        0 => "no pixel outside sRGB".to_owned(),
        n => format!(
            "{n} px ({:.1} %) lost chroma to fit sRGB (mean ΔE2000 {:.2})",
            n as f64 / r.region_px.max(1) as f64 * 100.0,
            r.gamut_delta_e
        ),
    };
    let reached = format!("diffuse tone {} is ΔE2000 {:.2} from {target}", r.typical, r.delta_e);
    match r.reach {
        Reach::OnTarget => format!("recolor: {reached}; {shading}; {gamut}"),
        Reach::KeptLightness => {
            format!("recolor: lightness kept as asked, so the {reached}; {shading}; {gamut}")
        }
        Reach::Lightness => format!(
            "recolor: {target} is out of reach for this element: keeping its shading needs a diffuse L* between {:.1} and {:.1}, not {:.1}, so the {reached}; {shading}; {gamut}",
            r.reachable_l[0], r.reachable_l[1], r.target_lab[0]
        ),
        Reach::Gamut => format!(
            "recolor: sRGB cannot hold {target}'s chroma over this element's diffuse tone, so the {reached}; {shading}; {gamut}"
        ),
    }
}
