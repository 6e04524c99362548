//! The Web Sign poster: one printable page with the shop's Web Sign address as a QR code,
//! for the counter, the waiting area or the front window. The shop's name and logo on top,
//! "Sign your release on your phone" in each of the shop's languages (the first one large),
//! the code, the address written out for anyone who types it, and three short steps.
//!
//! Drawn with the release PDF's layout (Helvetica, the same QR code drawing), on US Letter
//! or A4; the words are the `poster-*` messages of the Fluent files.

use printpdf::PdfDocument;

use crate::error::{Error, Result};
use crate::i18n::Tr;
use crate::release::pdf::layout::{Face, Layout, gray, place_image, qr, save, wrap};
use crate::settings::Lang;

crate::message_ids! {
    /// The words of the Web Sign poster, by their id in the Fluent files.
    pub enum Msg {
        Headline = "poster-headline",
        Scan = "poster-scan",
        Fill = "poster-fill",
        Private = "poster-private",
        Address = "poster-address",
    }
}

/// The paper the poster is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 8.5 × 11 inches (the US, Canada, Mexico and a few more).
    Letter,
    /// 210 × 297 mm (most of the world).
    A4,
}

impl Paper {
    /// The paper a shop in `region` (an ISO 3166 code) prints on.
    pub fn of_region(region: &str) -> Paper {
        const LETTER: [&str; 9] = ["US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT"];
        if LETTER.contains(&region) {
            Paper::Letter
        } else {
            Paper::A4
        }
    }

    /// Width and height in points.
    fn size(self) -> (f32, f32) {
        match self {
            Paper::Letter => (612.0, 792.0),
            Paper::A4 => (595.28, 841.89),
        }
    }
}

impl std::str::FromStr for Paper {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Paper, String> {
        match s.to_ascii_lowercase().as_str() {
            "letter" => Ok(Paper::Letter),
            "a4" => Ok(Paper::A4),
            other => Err(format!("no paper {other:?}: use letter or a4")),
        }
    }
}

/// What goes on the poster.
#[derive(Debug, Clone, Copy)]
pub struct Poster<'a> {
    /// The shop's Web Sign address, `https://STORE/sign`.
    pub address: &'a str,
    pub shop_name: &'a str,
    pub logo_png: Option<&'a [u8]>,
    /// The shop's languages, the first one largest.
    pub languages: &'a [Lang],
    pub paper: Paper,
}

/// The poster as a one-page PDF.
pub fn render(poster: &Poster<'_>, tr: &Tr) -> Result<Vec<u8>> {
    let url = url::Url::parse(poster.address)
        .ok()
        .filter(|u| u.scheme() == "https" && u.host_str().is_some())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "the Web Sign address {:?} is not an https:// address a phone can open",
                poster.address
            ))
        })?;
    let (first, others) = poster
        .languages
        .split_first()
        .ok_or_else(|| Error::Invalid("the poster needs at least one language".into()))?;
    let (page_w, page_h) = poster.paper.size();
    let margin = 54.0;
    let width = page_w - 2.0 * margin;
    let mut doc = PdfDocument::new(&format!("{} — Web Sign", poster.shop_name));
    let mut layout = Layout::new();
    layout.y = page_h - margin;
    let mut page = Page {
        layout: &mut layout,
        center: page_w / 2.0,
        width,
    };

    if let Some(logo) = poster.logo_png {
        let side = 84.0;
        let height = place_image(&mut doc, page.layout, logo, page.center - side / 2.0, side)?;
        page.layout.y -= height;
        page.layout.gap(14.0);
    }
    page.centered(poster.shop_name, Face::Bold, 26.0, gray(0.1));
    page.layout.gap(22.0);
    page.centered(
        &tr.get(*first, Msg::Headline.id()),
        Face::Bold,
        30.0,
        gray(0.0),
    );
    for lang in others {
        page.layout.gap(2.0);
        page.centered(
            &tr.get(*lang, Msg::Headline.id()),
            Face::Regular,
            20.0,
            gray(0.3),
        );
    }
    page.layout.gap(18.0);

    // The code: as large as leaves room for what follows, at most 4.5 inches.
    let below = 150.0 + 40.0 * others.len() as f32;
    let side = (page.layout.y - margin - below).clamp(180.0, 324.0);
    qr(
        page.layout,
        url.as_str(),
        page.center - side / 2.0,
        page.layout.y,
        side,
    )?;
    page.layout.y -= side;
    page.layout.gap(6.0);
    page.centered(
        &tr.get(*first, Msg::Address.id()),
        Face::Regular,
        11.0,
        gray(0.35),
    );
    page.centered(url.as_str(), Face::Mono, 15.0, gray(0.0));
    page.layout.gap(20.0);

    for (i, lang) in poster.languages.iter().enumerate() {
        let (size, color) = if i == 0 {
            (15.0, gray(0.1))
        } else {
            (12.0, gray(0.3))
        };
        for msg in [Msg::Scan, Msg::Fill, Msg::Private] {
            page.centered(&tr.get(*lang, msg.id()), Face::Regular, size, color.clone());
        }
        page.layout.gap(12.0);
    }

    Ok(save(doc, layout.pages, (page_w, page_h)))
}

/// One page, written from the top down with every line centred.
struct Page<'l> {
    layout: &'l mut Layout,
    center: f32,
    width: f32,
}

impl Page<'_> {
    fn centered(&mut self, text: &str, face: Face, size: f32, color: printpdf::Color) {
        let leading = size * 1.3;
        for line in wrap(text, face, size, self.width) {
            self.layout.y -= leading;
            let x = self.center - face.width(&line, size) / 2.0;
            self.layout.text_at(
                x,
                self.layout.y + size * 0.25,
                &line,
                face,
                size,
                color.clone(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_poster_message_is_in_every_language() {
        let tr = Tr::built_in();
        let mismatches = tr.mismatches(Msg::ALL.iter().map(|m| (m.id(), m.args())));
        assert!(mismatches.is_empty(), "{mismatches:#?}");
    }

    #[test]
    fn only_an_https_address_makes_a_poster() {
        let tr = Tr::built_in();
        for address in ["http://store.local/sign", "store.local/sign", ""] {
            let poster = Poster {
                address,
                shop_name: "Ink Lab",
                logo_png: None,
                languages: &[Lang::En],
                paper: Paper::Letter,
            };
            let err = render(&poster, &tr).unwrap_err().to_string();
            assert!(err.contains("not an https:// address"), "{err}");
        }
    }

    #[test]
    fn the_paper_follows_the_region() {
        assert_eq!(Paper::of_region("US"), Paper::Letter);
        assert_eq!(Paper::of_region("ES"), Paper::A4);
        assert_eq!("A4".parse::<Paper>(), Ok(Paper::A4));
        assert!(
            "legal"
                .parse::<Paper>()
                .unwrap_err()
                .contains("letter or a4")
        );
    }
}
