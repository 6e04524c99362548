//! Signatures: strokes captured on the pad, rendered to the PNG a release keeps; or, for
//! someone who cannot draw one, their typed name drawn in the kiosk's font.

use ab_glyph::{Font, FontRef, ScaleFont};
use tiny_skia::{Color, ColorU8, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

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

/// The font a typed signature is drawn in (Fira Sans, the kiosk's; SIL Open Font License).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/FiraSans-Regular.ttf");

/// A typed signature's image: this wide and high, the name as large as fits.
pub const TYPED_SIZE: (u32, u32) = (600, 150);

/// Draws a typed name as dark ink on white, as large as fits [`TYPED_SIZE`]: the image a
/// signer who cannot draw adopts as their signature. Refuses an empty name and a letter
/// the font has no glyph for (the image would not show what was typed).
pub fn render_typed_png(name: &str) -> Result<Vec<u8>> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("a typed signature needs a name".into()));
    }
    let font = FontRef::try_from_slice(FONT)
        .map_err(|e| Error::Invalid(format!("the signature font: {e}")))?;
    if let Some(c) = name
        .chars()
        .find(|c| !c.is_whitespace() && font.glyph_id(*c).0 == 0)
    {
        return Err(Error::Invalid(format!(
            "a typed signature cannot show {c:?}: write the name in Latin, Greek or Cyrillic letters"
        )));
    }
    let (width, height) = TYPED_SIZE;
    let margin = 16.0;
    // The advance at 1 px, so the size that fits the width is one division.
    let unit = font.as_scaled(1.0);
    let advance: f32 = name.chars().map(|c| unit.h_advance(font.glyph_id(c))).sum();
    let px = ((width as f32 - 2.0 * margin) / advance.max(0.01)).min(height as f32 * 0.6);
    let scaled = font.as_scaled(px);
    let baseline = (height as f32 + scaled.ascent() + scaled.descent()) / 2.0;
    let mut pixmap =
        Pixmap::new(width, height).ok_or_else(|| Error::Invalid("typed signature image".into()))?;
    pixmap.fill(Color::WHITE);
    let mut x = margin;
    let pixels = pixmap.pixels_mut();
    for c in name.chars() {
        let id = scaled.glyph_id(c);
        let glyph = id.with_scale_and_position(px, ab_glyph::point(x, baseline));
        x += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px_x, px_y) = (
                bounds.min.x as i64 + i64::from(gx),
                bounds.min.y as i64 + i64::from(gy),
            );
            if px_x < 0 || px_y < 0 || px_x >= i64::from(width) || px_y >= i64::from(height) {
                return;
            }
            let i = (px_y as u32 * width + px_x as u32) as usize;
            let ink = |paper: u8, ink: u8| {
                (f32::from(paper) + (f32::from(ink) - f32::from(paper)) * coverage.min(1.0)).round()
                    as u8
            };
            let old = pixels[i].demultiply();
            pixels[i] = ColorU8::from_rgba(
                ink(old.red(), 0x10),
                ink(old.green(), 0x18),
                ink(old.blue(), 0x30),
                0xff,
            )
            .premultiply();
        });
    }
    pixmap
        .encode_png()
        .map_err(|e| Error::Invalid(format!("signature image: {e}")))
}

/// Takes a signature drawn elsewhere (a browser's canvas) as the PNG a release keeps:
/// refused when it is more than `max_bytes`, wider or higher than `max` (read from its
/// header, before anything is decoded), not a PNG, or blank; otherwise decoded, laid on
/// white and encoded anew, so nothing but its pixels is kept.
pub fn adopt_png(bytes: &[u8], max_bytes: usize, max: (u32, u32)) -> Result<Vec<u8>> {
    if bytes.len() > max_bytes {
        return Err(Error::Invalid(format!(
            "the signature image is {} bytes; at most {max_bytes} are taken",
            bytes.len()
        )));
    }
    // The signature, then the IHDR chunk: length, type, width, height.
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || &bytes[..8] != SIGNATURE || &bytes[12..16] != b"IHDR" {
        return Err(Error::Invalid("the signature image is not a PNG".into()));
    }
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (width, height) = (be(16), be(20));
    if width == 0 || height == 0 || width > max.0 || height > max.1 {
        return Err(Error::Invalid(format!(
            "the signature image is {width}x{height} pixels; at most {}x{} are taken",
            max.0, max.1
        )));
    }
    let drawn = Pixmap::decode_png(bytes)
        .map_err(|e| Error::Invalid(format!("the signature image cannot be read: {e}")))?;
    let mut paper = Pixmap::new(drawn.width(), drawn.height())
        .ok_or_else(|| Error::Invalid("the signature image is empty".into()))?;
    paper.fill(Color::WHITE);
    paper.draw_pixmap(
        0,
        0,
        drawn.as_ref(),
        &tiny_skia::PixmapPaint::default(),
        Transform::identity(),
        None,
    );
    let ink = paper
        .pixels()
        .iter()
        .filter(|p| u16::from(p.red()) + u16::from(p.green()) + u16::from(p.blue()) < 384)
        .count();
    if ink < 40 {
        return Err(Error::Invalid("the signature image is blank".into()));
    }
    paper
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

    #[test]
    fn a_typed_name_is_drawn_and_a_letter_the_font_lacks_is_refused() {
        let png = render_typed_png("Ana Núñez").unwrap();
        let pixmap = Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), TYPED_SIZE);
        let dark = pixmap.pixels().iter().filter(|p| p.red() < 128).count();
        assert!(dark > 500, "{dark} dark pixels");
        // Longer names are drawn smaller, never cut: the last column stays paper.
        let long = render_typed_png(&"Maximiliana ".repeat(8)).unwrap();
        let long = Pixmap::decode_png(&long).unwrap();
        assert!((0..TYPED_SIZE.1).all(|y| long.pixel(TYPED_SIZE.0 - 1, y).unwrap().red() == 255));
        assert!(render_typed_png("  ").is_err());
        assert!(
            render_typed_png("王")
                .unwrap_err()
                .to_string()
                .contains("王")
        );
    }

    #[test]
    fn a_drawn_png_is_adopted_only_within_its_limits_and_with_ink() {
        let png = render_png(&[vec![(10.0, 10.0), (290.0, 80.0)]], 300, 100).unwrap();
        let adopted = adopt_png(&png, 64 << 10, (600, 200)).unwrap();
        assert_eq!(Pixmap::decode_png(&adopted).unwrap().width(), 300);
        let err = |bytes: &[u8], cap: usize, max: (u32, u32)| {
            adopt_png(bytes, cap, max).unwrap_err().to_string()
        };
        assert!(err(&png, 100, (600, 200)).contains("at most 100"));
        assert!(err(&png, 64 << 10, (200, 200)).contains("300x100"));
        assert!(err(b"GIF89a...", 64 << 10, (600, 200)).contains("not a PNG"));
        let blank = render_png(&[], 300, 100).unwrap();
        assert!(err(&blank, 64 << 10, (600, 200)).contains("blank"));
        let mut cut = png.clone();
        cut.truncate(60);
        assert!(err(&cut, 64 << 10, (600, 200)).contains("cannot be read"));
    }
}
