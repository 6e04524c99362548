//! A signed release as a printable PDF (US Letter): the shop's header, the customer, the
//! contacts, the health answers, every clause with its initials, the signatures, the
//! guardian for a minor, and a record block with the time, device, template version, the
//! SHA-256 of the signed content and a QR code that identifies the release.
//!
//! Text uses the PDF's built-in Helvetica (WinAnsi: every Latin-1 letter, so Spanish
//! too), wrapped with Helvetica's own character widths; long releases flow onto more pages.

use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, RawImage, Rect, Rgb, TextItem, XObjectTransform,
};

use super::ReleaseContent;
use crate::customer::Field;
use crate::error::{Error, Result};

const PAGE_W: f32 = 612.0;
const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 54.0;
const BOTTOM: f32 = 64.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;

/// The fields shown under "Customer", in reading order.
const CUSTOMER_FIELDS: [(Field, &str); 16] = [
    (Field::FirstName, "First name"),
    (Field::MiddleName, "Middle name"),
    (Field::LastName, "Last name"),
    (Field::Nickname, "Nickname"),
    (Field::Birthdate, "Date of birth"),
    (Field::Gender, "Gender"),
    (Field::PhoneNumber, "Phone"),
    (Field::Email, "Email"),
    (Field::Street, "Street"),
    (Field::Street2, "Apartment, suite"),
    (Field::City, "City"),
    (Field::State, "State"),
    (Field::PostalCode, "Postal code"),
    (Field::Country, "Country"),
    (Field::Occupation, "Occupation"),
    (Field::OptIn, "Reminders and news"),
];

#[derive(Clone, Copy)]
enum Face {
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

    fn width(self, text: &str, size: f32) -> f32 {
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
fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
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

fn gray(level: f32) -> Color {
    Color::Rgb(Rgb {
        r: level,
        g: level,
        b: level,
        icc_profile: None,
    })
}

/// Pages being laid out, top to bottom.
struct Layout {
    pages: Vec<Vec<Op>>,
    /// The baseline of the next line, from the bottom of the page.
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_H - MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("there is always a page")
    }

    /// Starts a new page unless `height` more points fit on this one.
    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = PAGE_H - MARGIN;
        }
    }

    fn text_at(&mut self, x: f32, y: f32, text: &str, face: Face, size: f32, color: Color) {
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
    fn paragraph(&mut self, x: f32, width: f32, text: &str, face: Face, size: f32, color: Color) {
        let leading = size * 1.3;
        for line in wrap(text, face, size, width) {
            self.room(leading);
            self.y -= leading;
            self.text_at(x, self.y + size * 0.25, &line, face, size, color.clone());
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn rule(&mut self, level: f32) {
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

    fn heading(&mut self, title: &str) {
        self.room(40.0);
        self.gap(14.0);
        self.paragraph(MARGIN, WIDTH, title, Face::Bold, 12.5, gray(0.1));
        self.gap(3.0);
        self.rule(0.75);
        self.gap(4.0);
    }

    /// A label and its value, side by side; the value wraps.
    fn row(&mut self, label: &str, value: &str) {
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

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
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

/// An image placed `width` points wide with its top-left at (`x`, `top`); returns its height.
fn place_image(
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
fn signature(doc: &mut PdfDocument, layout: &mut Layout, png: &[u8], caption: &str) -> Result<()> {
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
fn qr(layout: &mut Layout, payload: &str, x: f32, top: f32, size: f32) -> Result<()> {
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

/// Renders a signed release.
pub fn render(
    release: &ReleaseContent,
    shop_name: &str,
    logo_png: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let mut doc = PdfDocument::new(&format!("{} — {}", release.title, release.release_id));
    let mut layout = Layout::new();

    // Header: logo, shop name, title.
    let mut text_x = MARGIN;
    if let Some(logo) = logo_png {
        place_image(&mut doc, &mut layout, logo, MARGIN, 44.0)?;
        text_x += 56.0;
    }
    layout.text_at(
        text_x,
        layout.y - 18.0,
        shop_name,
        Face::Bold,
        18.0,
        gray(0.05),
    );
    layout.gap(26.0);
    let title_lines = wrap(
        &release.title,
        Face::Regular,
        12.0,
        PAGE_W - MARGIN - text_x,
    );
    for line in title_lines {
        layout.y -= 15.0;
        layout.text_at(text_x, layout.y, &line, Face::Regular, 12.0, gray(0.25));
    }
    layout.y = layout.y.min(PAGE_H - MARGIN - 52.0);
    layout.gap(8.0);
    layout.rule(0.2);

    layout.heading("Customer");
    for (field, label) in CUSTOMER_FIELDS {
        if let Some(value) = release.customer.get(field.column()) {
            layout.row(label, value);
        }
    }
    layout.row("Age at signing", &release.age_at_signing.to_string());

    layout.heading("Contacts");
    match &release.emergency {
        Some(c) => layout.row(
            "Emergency contact",
            &[
                Some(c.name.as_str()),
                c.relation.as_deref(),
                c.phone.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        ),
        None => layout.row("Emergency contact", "none given"),
    }
    match &release.physician {
        Some(c) => layout.row(
            "Physician",
            &[
                Some(c.name.as_str()),
                c.relation.as_deref(),
                c.phone.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        ),
        None => layout.row("Physician", "none given"),
    }

    layout.heading("Health answers");
    if release.health.is_empty() {
        layout.paragraph(
            MARGIN,
            WIDTH,
            "The shop asked no health questions.",
            Face::Regular,
            10.0,
            gray(0.35),
        );
    }
    for answer in &release.health {
        let verdict = if answer.answer { "Yes" } else { "No" };
        let lines = wrap(&answer.question, Face::Regular, 10.0, WIDTH - 60.0);
        layout.room(13.0 * lines.len() as f32 + 4.0);
        for (i, line) in lines.iter().enumerate() {
            layout.y -= 13.0;
            layout.text_at(MARGIN, layout.y + 3.0, line, Face::Regular, 10.0, gray(0.0));
            if i == 0 {
                layout.text_at(
                    PAGE_W - MARGIN - 40.0,
                    layout.y + 3.0,
                    verdict,
                    Face::Bold,
                    10.0,
                    gray(0.0),
                );
            }
        }
        if let Some(details) = &answer.details {
            layout.paragraph(
                MARGIN + 14.0,
                WIDTH - 74.0,
                details,
                Face::Regular,
                9.5,
                gray(0.3),
            );
        }
        layout.gap(3.0);
    }

    layout.heading("Release");
    for clause in &release.clauses {
        let mark = match &clause.initials {
            Some(initials) => format!("Initials: {initials}"),
            None => "Agreed (ticked)".to_owned(),
        };
        let lines = wrap(&clause.text, Face::Regular, 10.0, WIDTH - 110.0);
        layout.room(13.0 * lines.len() as f32 + 6.0);
        for (i, line) in lines.iter().enumerate() {
            layout.y -= 13.0;
            layout.text_at(MARGIN, layout.y + 3.0, line, Face::Regular, 10.0, gray(0.0));
            if i == 0 {
                layout.text_at(
                    PAGE_W - MARGIN - 100.0,
                    layout.y + 3.0,
                    &mark,
                    Face::Bold,
                    10.0,
                    gray(0.0),
                );
            }
        }
        layout.gap(5.0);
    }

    let signed_at = release
        .signed_at
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    let name = [Field::FirstName, Field::LastName]
        .iter()
        .filter_map(|f| release.customer.get(f.column()).map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    layout.heading("Signature");
    signature(
        &mut doc,
        &mut layout,
        &release.signature_png,
        &format!("Signed by {name} on {signed_at}"),
    )?;

    if let Some(guardian) = &release.guardian {
        layout.heading("Parent or guardian");
        layout.row("Name", &guardian.name);
        layout.row("Relationship", &guardian.relationship);
        signature(
            &mut doc,
            &mut layout,
            &guardian.signature_png,
            &format!("Signed by {} for {name} on {signed_at}", guardian.name),
        )?;
    }

    // The record: what identifies this release, beside its QR code.
    layout.heading("Record");
    let qr_size = 108.0;
    layout.room(qr_size + 8.0);
    let top = layout.y;
    qr(
        &mut layout,
        &release.qr_payload(),
        PAGE_W - MARGIN - qr_size,
        top,
        qr_size,
    )?;
    let sha = release.sha256();
    let record = [
        ("Release", release.release_id.to_string()),
        ("Signed at", signed_at.clone()),
        ("Device", release.device.clone()),
        (
            "Template",
            format!(
                "{} version {}",
                release.template.id, release.template.version
            ),
        ),
        ("Language", release.language.code().to_owned()),
    ];
    for (label, value) in record {
        layout.y -= 13.0;
        layout.text_at(MARGIN, layout.y + 3.0, label, Face::Regular, 9.0, gray(0.4));
        layout.text_at(
            MARGIN + 70.0,
            layout.y + 3.0,
            &value,
            Face::Regular,
            10.0,
            gray(0.0),
        );
    }
    layout.y -= 13.0;
    layout.text_at(
        MARGIN,
        layout.y + 3.0,
        "SHA-256",
        Face::Regular,
        9.0,
        gray(0.4),
    );
    layout.text_at(
        MARGIN + 70.0,
        layout.y + 3.0,
        &sha[..32],
        Face::Mono,
        8.5,
        gray(0.0),
    );
    layout.y -= 11.0;
    layout.text_at(
        MARGIN + 70.0,
        layout.y + 3.0,
        &sha[32..],
        Face::Mono,
        8.5,
        gray(0.0),
    );
    layout.y = layout.y.min(top - qr_size);
    layout.gap(6.0);
    layout.paragraph(
        MARGIN,
        WIDTH,
        "The SHA-256 is computed over the signed content as stored; the QR code holds the release id and the same hash.",
        Face::Regular,
        8.0,
        gray(0.45),
    );

    // Footers: which release, which page.
    let count = layout.pages.len();
    let pages: Vec<PdfPage> = std::mem::take(&mut layout.pages)
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            let footer = format!("Release {} · page {} of {count}", release.release_id, i + 1);
            let mut footer_layout = Layout {
                pages: vec![Vec::new()],
                y: 0.0,
            };
            footer_layout.text_at(MARGIN, 36.0, &footer, Face::Regular, 8.0, gray(0.45));
            ops.extend(footer_layout.pages.remove(0));
            PdfPage::new(Mm(PAGE_W * 25.4 / 72.0), Mm(PAGE_H * 25.4 / 72.0), ops)
        })
        .collect();
    let mut warnings = Vec::new();
    let bytes = doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings);
    for w in warnings.iter().take(5) {
        tracing::debug!("pdf: {w:?}");
    }
    Ok(bytes)
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
