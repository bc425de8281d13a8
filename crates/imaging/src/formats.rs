//! Placement formats: the delivery sizes of the standard ad placements, and the geometry of
//! re-framing an image for one, by cropping around a focus box or by extending the canvas
//! (outpainting). Only rectangles here; the pixels are moved by the caller.

use serde::{Deserialize, Serialize};

/// A standard placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Aspect {
    /// 1:1, 1080×1080 (feed).
    #[serde(rename = "1:1")]
    Square,
    /// 4:5, 1080×1350 (portrait feed).
    #[serde(rename = "4:5")]
    Portrait,
    /// 9:16, 1080×1920 (stories, reels, shorts).
    #[serde(rename = "9:16")]
    Story,
    /// 1.91:1, 1200×628 (link ads, display).
    #[serde(rename = "1.91:1")]
    Landscape,
}

impl Aspect {
    pub const ALL: [Aspect; 4] =
        [Aspect::Square, Aspect::Portrait, Aspect::Story, Aspect::Landscape];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Square => "1:1",
            Aspect::Portrait => "4:5",
            Aspect::Story => "9:16",
            Aspect::Landscape => "1.91:1",
        }
    }

    /// The delivery size in px, as the platforms' specs give it.
    pub fn delivery(self) -> (u32, u32) {
        match self {
            Aspect::Square => (1080, 1080),
            Aspect::Portrait => (1080, 1350),
            Aspect::Story => (1080, 1920),
            Aspect::Landscape => (1200, 628),
        }
    }

    /// The suffix appended to a variant's code for this placement (`LM-7F3K-916`).
    pub fn code_suffix(self) -> &'static str {
        match self {
            Aspect::Square => "11",
            Aspect::Portrait => "45",
            Aspect::Story => "916",
            Aspect::Landscape => "191",
        }
    }

    /// Width over height of the delivery size (1200/628 is 1.911, the spec's own rounding).
    fn ratio(self) -> f64 {
        let (w, h) = self.delivery();
        f64::from(w) / f64::from(h)
    }
}

/// A rectangle in px: `[x, y, w, h]` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[u32; 4]", into = "[u32; 4]")]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl From<[u32; 4]> for Rect {
    fn from([x, y, w, h]: [u32; 4]) -> Self {
        Rect { x, y, w, h }
    }
}

impl From<Rect> for [u32; 4] {
    fn from(r: Rect) -> Self {
        [r.x, r.y, r.w, r.h]
    }
}

impl Rect {
    fn right(self) -> u32 {
        self.x + self.w
    }

    fn bottom(self) -> u32 {
        self.y + self.h
    }

    pub fn contains(self, o: Rect) -> bool {
        o.x >= self.x && o.y >= self.y && o.right() <= self.right() && o.bottom() <= self.bottom()
    }

    /// The smallest rectangle holding both.
    pub fn union(self, o: Rect) -> Rect {
        let (x, y) = (self.x.min(o.x), self.y.min(o.y));
        Rect { x, y, w: self.right().max(o.right()) - x, h: self.bottom().max(o.bottom()) - y }
    }

    /// Clipped to a `w`×`h` image; `None` when nothing is left.
    pub fn clip(self, w: u32, h: u32) -> Option<Rect> {
        let (x1, y1) = (self.right().min(w), self.bottom().min(h));
        (self.x < x1 && self.y < y1).then(|| Rect {
            x: self.x,
            y: self.y,
            w: x1 - self.x,
            h: y1 - self.y,
        })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    /// The crop of this aspect cannot hold the region it must keep whole.
    #[error(
        "a {aspect} crop of this {width}x{height} image is at most {crop_w}x{crop_h}, but the edited region and focus span {need_w}x{need_h} at ({need_x}, {need_y}): cropping would cut into the edit; use outpaint for {aspect}"
    )]
    WouldCutEdit {
        aspect: &'static str,
        width: u32,
        height: u32,
        crop_w: u32,
        crop_h: u32,
        need_x: u32,
        need_y: u32,
        need_w: u32,
        need_h: u32,
    },
    #[error("the focus box {0:?} lies outside the {1}x{2} image")]
    FocusOutside([u32; 4], u32, u32),
}

/// The crop of `aspect` from a `width`×`height` image: the largest rectangle of that aspect,
/// centred on `keep` (the edited region plus the focus) and moved inside the image. It always
/// holds `keep` whole, or it is an error: a crop never cuts into an edit.
pub fn plan_crop(
    width: u32,
    height: u32,
    aspect: Aspect,
    keep: Option<Rect>,
) -> Result<Rect, FormatError> {
    crop_to(width, height, aspect.delivery(), aspect.as_str(), keep)
}

/// [`plan_crop`] for any target size `(tw, th)`; `label` names it in the error.
pub fn crop_to(
    width: u32,
    height: u32,
    (tw, th): (u32, u32),
    label: &'static str,
    keep: Option<Rect>,
) -> Result<Rect, FormatError> {
    let r = f64::from(tw) / f64::from(th.max(1));
    let (w, h) = if f64::from(width) / f64::from(height) > r {
        (((f64::from(height) * r).round() as u32).clamp(1, width), height)
    } else {
        (width, ((f64::from(width) / r).round() as u32).clamp(1, height))
    };
    let keep = match keep {
        Some(k) => {
            k.clip(width, height).ok_or(FormatError::FocusOutside(k.into(), width, height))?
        }
        None => Rect { x: 0, y: 0, w: width, h: height },
    };
    let fits = keep.w <= w && keep.h <= h;
    // With no edit to protect, a whole-image keep just centres the crop.
    let whole = keep == Rect { x: 0, y: 0, w: width, h: height };
    if !fits && !whole {
        return Err(FormatError::WouldCutEdit {
            aspect: label,
            width,
            height,
            crop_w: w,
            crop_h: h,
            need_x: keep.x,
            need_y: keep.y,
            need_w: keep.w,
            need_h: keep.h,
        });
    }
    let centre = |start: u32, len: u32, span: u32, total: u32| -> u32 {
        let c = i64::from(start) + i64::from(len) / 2 - i64::from(span) / 2;
        c.clamp(0, i64::from(total - span)) as u32
    };
    Ok(Rect { x: centre(keep.x, keep.w, w, width), y: centre(keep.y, keep.h, h, height), w, h })
}

/// The outpaint canvas of `aspect` for a `width`×`height` image, at the image's resolution:
/// the smallest canvas of that aspect holding the whole image, and where the image sits in it
/// (centred).
pub fn plan_outpaint(width: u32, height: u32, aspect: Aspect) -> ((u32, u32), Rect) {
    let r = aspect.ratio();
    let (cw, ch) = if f64::from(width) / f64::from(height) > r {
        (width, ((f64::from(width) / r).round() as u32).max(height))
    } else {
        (((f64::from(height) * r).round() as u32).max(width), height)
    };
    ((cw, ch), Rect { x: (cw - width) / 2, y: (ch - height) / 2, w: width, h: height })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_aspect_parses_back_and_has_its_delivery_size() {
        for a in Aspect::ALL {
            assert_eq!(Aspect::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{}\"", a.as_str()));
        }
        assert_eq!(Aspect::Story.delivery(), (1080, 1920));
        assert_eq!(Aspect::Landscape.delivery(), (1200, 628));
        assert_eq!(Aspect::parse("16:9"), None);
    }

    #[test]
    fn a_crop_is_the_largest_of_its_aspect_and_holds_the_edit() {
        let edit = Rect { x: 500, y: 100, w: 80, h: 80 };
        let c = plan_crop(600, 400, Aspect::Story, Some(edit)).unwrap();
        assert_eq!((c.w, c.h), (225, 400));
        assert!(c.contains(edit), "{c:?}");
        assert!(c.right() <= 600);
        let c = plan_crop(600, 400, Aspect::Square, None).unwrap();
        assert_eq!(c, Rect { x: 100, y: 0, w: 400, h: 400 });
        let c = plan_crop(600, 400, Aspect::Landscape, Some(edit)).unwrap();
        assert_eq!((c.w, c.h), (600, 314));
        assert!(c.contains(edit));
    }

    #[test]
    fn a_crop_that_would_cut_the_edit_is_refused_with_the_reason() {
        let wide = Rect { x: 50, y: 100, w: 400, h: 80 };
        let e = plan_crop(600, 400, Aspect::Story, Some(wide)).unwrap_err();
        assert!(e.to_string().contains("use outpaint for 9:16"), "{e}");
        assert!(matches!(
            plan_crop(600, 400, Aspect::Story, Some(Rect { x: 700, y: 0, w: 5, h: 5 })),
            Err(FormatError::FocusOutside(..))
        ));
    }

    #[test]
    fn an_outpaint_canvas_holds_the_whole_image_centred() {
        let ((w, h), at) = plan_outpaint(600, 400, Aspect::Story);
        assert_eq!((w, h), (600, 1067));
        assert_eq!(at, Rect { x: 0, y: 333, w: 600, h: 400 });
        let ((w, h), at) = plan_outpaint(600, 400, Aspect::Landscape);
        assert_eq!((w, h), (764, 400));
        assert_eq!(at.x, 82);
        let ((w, h), _) = plan_outpaint(400, 400, Aspect::Square);
        assert_eq!((w, h), (400, 400));
    }
}
