//! Grade timings on a 12-megapixel frame (the astronaut fixture tiled to 4000×3000) with a mask
//! over a quarter of it: `cargo bench -p imaging`.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a bench fails loudly")]

use std::time::Instant;

use image::{GrayImage, Luma, RgbImage};
use imaging::{Grade, grade};

fn main() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/astronaut.png");
    let tile = image::open(path).expect("fixture").to_rgb8();
    let (w, h) = (4000, 3000);
    let img = RgbImage::from_fn(w, h, |x, y| *tile.get_pixel(x % 512, y % 512));
    let alpha = GrayImage::from_fn(w, h, |x, y| {
        Luma([if (1000..3000).contains(&x) && (750..2250).contains(&y) { 255 } else { 0 }])
    });
    let masked = 2000 * 1500;
    for (what, json) in [
        ("exposure only (linear light)", r#"{"exposure":1}"#),
        ("temperature + exposure", r#"{"temperature":30,"exposure":0.5}"#),
        (
            "full grade (linear + Lab)",
            r#"{"exposure":0.5,"temperature":20,"contrast":20,"shadows":30,"saturation":15,"curve":[[25,20],[75,82]]}"#,
        ),
        ("match to a 16 px ring", r#"{"match_ring":16}"#),
    ] {
        let g: Grade = serde_json::from_str(json).unwrap();
        let start = Instant::now();
        let runs = 3;
        for _ in 0..runs {
            std::hint::black_box(grade(&img, &alpha, &g).unwrap());
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
        let mpx = f64::from(masked) / 1e6 / (ms / 1000.0);
        println!("{what:32} {ms:8.0} ms per 12 MP frame ({mpx:.1} masked MP/s)");
    }
}
