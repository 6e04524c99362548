//! Drawn signatures: strokes captured on the pad, rendered to the PNG a release keeps.

use tiny_skia::{Color, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

use crate::error::{Error, Result};

/// A point on the pad, in pad pixels from its top-left corner.
pub type Point = (f32, f32);

/// Ink width in pad pixels.
const INK: f32 = 3.5;

/// Renders `strokes`, drawn on a pad of `width` x `height`, as dark ink on white.
/// A stroke of one point (a tap) is a dot.
pub fn render_png(strokes: &[Vec<Point>], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut pixmap = Pixmap::new(width.max(1), height.max(1))
        .ok_or_else(|| Error::Invalid(format!("signature pad of {width}x{height} is too large")))?;
    pixmap.fill(Color::WHITE);
    let mut paint = Paint::default();
    paint.set_color_rgba8(0x10, 0x18, 0x30, 0xff);
    paint.anti_alias = true;
    let stroke = Stroke {
        width: INK,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    for points in strokes {
        let mut path = PathBuilder::new();
        let Some(&(x, y)) = points.first() else {
            continue;
        };
        path.move_to(x, y);
        if points.len() == 1 {
            path.line_to(x + 0.01, y);
        }
        for &(x, y) in &points[1..] {
            path.line_to(x, y);
        }
        if let Some(path) = path.finish() {
            pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
        }
    }
    pixmap
        .encode_png()
        .map_err(|e| Error::Invalid(format!("signature image: {e}")))
}

/// Whether strokes amount to a signature rather than a stray touch: enough ink laid down.
pub fn is_substantial(strokes: &[Vec<Point>]) -> bool {
    let length: f32 = strokes
        .iter()
        .flat_map(|s| s.windows(2))
        .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
        .sum();
    length >= 40.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_ink_on_white() {
        let strokes = vec![vec![(10.0, 10.0), (90.0, 40.0)], vec![(50.0, 20.0)]];
        let png = render_png(&strokes, 100, 50).unwrap();
        let pixmap = Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (100, 50));
        let dark = pixmap.pixels().iter().filter(|p| p.red() < 128).count();
        assert!(dark > 100, "{dark} dark pixels");
        assert_eq!(pixmap.pixel(99, 0).unwrap().red(), 255);
        assert!(is_substantial(&strokes));
        assert!(!is_substantial(&[vec![(1.0, 1.0), (3.0, 3.0)]]));
    }
}
