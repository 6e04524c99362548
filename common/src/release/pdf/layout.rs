//! The page furniture of the release PDF: Helvetica's metrics and line wrapping, pages
//! laid out top to bottom, images, signature frames and the QR code.

use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, RawImage, Rect, Rgb, TextItem, XObjectTransform,
};

use crate::error::{Error, Result};

pub(crate) const PAGE_W: f32 = 612.0;
pub(crate) const PAGE_H: f32 = 792.0;
pub(crate) const MARGIN: f32 = 54.0;
const BOTTOM: f32 = 64.0;
pub(crate) const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;

#[derive(Clone, Copy)]
pub(crate) enum Face {
    Regular,
    Bold,
    Mono,
}

impl Face {
    fn font(self) -> BuiltinFont {
        match self {
            Face::Regular => BuiltinFont::Helvetica,
            Face::Bold => BuiltinFont::HelveticaBold,
            Face::Mono => BuiltinFont::Courier,
        }
    }

    /// Advance width of `c` in thousandths of the font size (the fonts' AFM metrics).
    fn advance(self, c: char) -> f32 {
        let c = base_letter(c);
        let widths: &[u16; 95] = match self {
            Face::Mono => return 600.0,
            Face::Regular => &HELVETICA,
            Face::Bold => &HELVETICA_BOLD,
        };
        match u32::from(c) {
            code @ 32..=126 => f32::from(widths[(code - 32) as usize]),
            _ => 556.0,
        }
    }

    pub(crate) fn width(self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size / 1000.0
    }
}

/// The unaccented letter whose width an accented one shares.
fn base_letter(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'Ñ' => 'N',
        'Ç' => 'C',
        '¿' => '?',
        '¡' => '!',
        '—' | '–' => '-',
        '’' | '‘' => '\'',
        '“' | '”' => '"',
        other => other,
    }
}

#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// Breaks `text` into lines no wider than `width` points.
pub(crate) fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_owned();
            }
            // A single word wider than the line (a long e-mail) is cut where it must be.
            while face.width(&line, size) > width && line.chars().count() > 1 {
                let mut cut = String::new();
                for c in line.chars() {
                    if face.width(&format!("{cut}{c}"), size) > width {
                        break;
                    }
                    cut.push(c);
                }
                let rest = line[cut.len()..].to_owned();
                lines.push(cut);
                line = rest;
            }
        }
        lines.push(line);
    }
    lines
}

pub(crate) fn gray(level: f32) -> Color {
    Color::Rgb(Rgb {
        r: level,
        g: level,
        b: level,
        icc_profile: None,
    })
}

/// Pages being laid out, top to bottom.
pub(crate) struct Layout {
    pub(crate) pages: Vec<Vec<Op>>,
    /// The baseline of the next line, from the bottom of the page.
    pub(crate) y: f32,
}

impl Layout {
    pub(crate) fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_H - MARGIN,
        }
    }

    pub(crate) fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("there is always a page")
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub(crate) fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = PAGE_H - MARGIN;
        }
    }

    pub(crate) fn text_at(
        &mut self,
        x: f32,
        y: f32,
        text: &str,
        face: Face,
        size: f32,
        color: Color,
    ) {
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::Builtin(face.font()),
                size: Pt(size),
            },
            Op::SetFillColor { col: color },
            Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// Wrapped text at `x`, `width` wide, moving down.
    pub(crate) fn paragraph(
        &mut self,
        x: f32,
        width: f32,
        text: &str,
        face: Face,
        size: f32,
        color: Color,
    ) {
        let leading = size * 1.3;
        for line in wrap(text, face, size, width) {
            self.room(leading);
            self.y -= leading;
            self.text_at(x, self.y + size * 0.25, &line, face, size, color.clone());
        }
    }

    pub(crate) fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    pub(crate) fn rule(&mut self, level: f32) {
        let y = self.y;
        self.ops().extend([
            Op::SetOutlineColor { col: gray(level) },
            Op::SetOutlineThickness { pt: Pt(0.75) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point {
                                x: Pt(MARGIN),
                                y: Pt(y),
                            },
                            bezier: false,
                        },
                        LinePoint {
                            p: Point {
                                x: Pt(PAGE_W - MARGIN),
                                y: Pt(y),
                            },
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    pub(crate) fn heading(&mut self, title: &str) {
        self.room(40.0);
        self.gap(14.0);
        self.paragraph(MARGIN, WIDTH, title, Face::Bold, 12.5, gray(0.1));
        self.gap(3.0);
        self.rule(0.75);
        self.gap(4.0);
    }

    /// A label and its value, side by side; the value wraps.
    pub(crate) fn row(&mut self, label: &str, value: &str) {
        let label_width = 150.0;
        let lines = wrap(value, Face::Regular, 10.0, WIDTH - label_width);
        let leading = 13.0;
        self.room(leading * lines.len() as f32);
        for (i, line) in lines.iter().enumerate() {
            self.y -= leading;
            if i == 0 {
                self.text_at(MARGIN, self.y + 3.0, label, Face::Regular, 9.0, gray(0.4));
            }
            self.text_at(
                MARGIN + label_width,
                self.y + 3.0,
                line,
                Face::Regular,
                10.0,
                gray(0.0),
            );
        }
    }

    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.ops().push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(y),
                width: Pt(w),
                height: Pt(h),
                mode: Some(PaintMode::Fill),
                winding_order: None,
            },
        });
    }
}

/// The document with `pages` of `size` (width and height in points), as PDF bytes.
pub(crate) fn save(mut doc: PdfDocument, pages: Vec<Vec<Op>>, size: (f32, f32)) -> Vec<u8> {
    let mm = |points: f32| Mm(points * 25.4 / 72.0);
    let pages = pages
        .into_iter()
        .map(|ops| PdfPage::new(mm(size.0), mm(size.1), ops))
        .collect();
    let mut warnings = Vec::new();
    let bytes = doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings);
    for w in warnings.iter().take(5) {
        tracing::debug!("pdf: {w:?}");
    }
    bytes
}

/// An image placed `width` points wide with its top-left at (`x`, `top`); returns its height.
pub(crate) fn place_image(
    doc: &mut PdfDocument,
    layout: &mut Layout,
    png: &[u8],
    x: f32,
    width: f32,
) -> Result<f32> {
    let image = RawImage::decode_from_bytes(png, &mut Vec::new())
        .map_err(|e| Error::Invalid(format!("release image: {e}")))?;
    let (w, h) = (image.width.max(1) as f32, image.height.max(1) as f32);
    let scale = width / w;
    let height = h * scale;
    layout.room(height + 4.0);
    let id = doc.add_image(&image);
    let bottom = layout.y - height;
    layout.ops().push(Op::UseXobject {
        id,
        transform: XObjectTransform {
            translate_x: Some(Pt(x)),
            translate_y: Some(Pt(bottom)),
            scale_x: Some(scale),
            scale_y: Some(scale),
            dpi: Some(72.0),
            ..XObjectTransform::default()
        },
    });
    Ok(height)
}

/// A signature image in a light frame, with a caption under it.
pub(crate) fn signature(
    doc: &mut PdfDocument,
    layout: &mut Layout,
    png: &[u8],
    caption: &str,
) -> Result<()> {
    layout.room(110.0);
    layout.gap(6.0);
    let height = place_image(doc, layout, png, MARGIN, 260.0)?;
    let top = layout.y;
    layout.y -= height;
    let bottom = layout.y;
    layout.ops().extend([
        Op::SetOutlineColor { col: gray(0.7) },
        Op::SetOutlineThickness { pt: Pt(0.5) },
        Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(MARGIN),
                y: Pt(bottom),
                width: Pt(260.0),
                height: Pt(top - bottom),
                mode: Some(PaintMode::Stroke),
                winding_order: None,
            },
        },
    ]);
    layout.paragraph(MARGIN, WIDTH, caption, Face::Regular, 9.0, gray(0.35));
    Ok(())
}

/// The QR code as filled squares, `size` points wide, top-left at (`x`, `top`).
pub(crate) fn qr(layout: &mut Layout, payload: &str, x: f32, top: f32, size: f32) -> Result<()> {
    let code = qrcode::QrCode::new(payload.as_bytes())
        .map_err(|e| Error::Invalid(format!("release QR code: {e}")))?;
    let modules = code.width();
    let quiet = 4;
    let cell = size / (modules + 2 * quiet) as f32;
    let colors = code.to_colors();
    layout.ops().push(Op::SetFillColor { col: gray(1.0) });
    layout.fill_rect(x, top - size, size, size);
    layout.ops().push(Op::SetFillColor { col: gray(0.0) });
    for row in 0..modules {
        // One rectangle per run of dark modules.
        let mut col = 0;
        while col < modules {
            if colors[row * modules + col] == qrcode::Color::Dark {
                let start = col;
                while col < modules && colors[row * modules + col] == qrcode::Color::Dark {
                    col += 1;
                }
                let cx = x + (quiet + start) as f32 * cell;
                let cy = top - (quiet + row + 1) as f32 * cell;
                // A hair wider than the cell, so neighbours leave no seam when rasterised.
                layout.fill_rect(cx, cy, (col - start) as f32 * cell + 0.05, cell + 0.05);
            } else {
                col += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_the_width_and_keeps_every_word() {
        let text = "I understand that infection, allergic reaction, scarring and other complications can occur.";
        let lines = wrap(text, Face::Regular, 10.0, 200.0);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(Face::Regular.width(line, 10.0) <= 200.0, "{line}");
        }
        assert_eq!(lines.join(" "), text);
        let long = wrap(&"x".repeat(300), Face::Regular, 10.0, 100.0);
        assert!(long.len() > 1);
        assert_eq!(long.concat(), "x".repeat(300));
    }
}
