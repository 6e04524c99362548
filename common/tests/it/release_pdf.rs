//! The signed release's PDF, read back with real tools: its text with `pdftotext`, its QR
//! code with `pdftoppm` and `zbarimg` (poppler-utils and zbar-tools).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use chrono::{TimeZone, Utc};
use intake_common::customer::{Contact, ContactKind, MedicalKind};
use intake_common::release::{
    ClauseAnswer, Guardian, HealthAnswer, ReleaseContent, TemplateRef, pdf, signature,
};
use intake_common::settings::{Audience, Clause, Confirm, Lang, Settings, Text};
use uuid::Uuid;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} could not run ({e}): install poppler-utils and zbar-tools")
    });
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A minor's release with a guardian, in Spanish, with enough clauses for two pages.
fn release() -> ReleaseContent {
    let settings = Settings::defaults();
    let pad = |seed: f32| {
        signature::render_png(
            &[
                vec![
                    (20.0, 120.0),
                    (80.0, 40.0 + seed),
                    (140.0, 130.0),
                    (220.0, 60.0),
                ],
                vec![(240.0, 100.0), (330.0, 70.0), (420.0, 110.0)],
            ],
            480,
            160,
        )
        .unwrap()
    };
    // A minor's clauses: no adult-only one, the guardian's, and photo consent declined.
    let mut clauses: Vec<ClauseAnswer> = settings
        .template
        .clauses_for(true)
        .enumerate()
        .map(|(i, c)| match c.optional {
            true => ClauseAnswer::declined(c, Lang::Es),
            false => ClauseAnswer::agreed(c, Lang::Es, &format!("JG{i}")),
        })
        .collect();
    for i in 0..12 {
        let extra = Clause {
            id: format!("extra-{i}"),
            confirm: Confirm::Initials,
            text: Text::english(&format!(
                "Cláusula adicional número {i}: entiendo que el cuidado posterior, la higiene y el \
                 seguimiento de las indicaciones del artista son mi responsabilidad durante la \
                 cicatrización, y que cualquier duda la consultaré con el estudio."
            )),
            optional: false,
            audience: Audience::All,
        };
        clauses.push(ClauseAnswer::agreed(&extra, Lang::Es, &format!("X{i}")));
    }
    let health = settings
        .questions
        .iter()
        .map(|q| {
            let yes = q.kind == MedicalKind::Allergy;
            HealthAnswer::new(q, Lang::Es, yes, yes.then(|| "látex y níquel".to_owned()))
        })
        .collect();
    ReleaseContent {
        release_id: Uuid::now_v7(),
        customer_id: Uuid::now_v7(),
        template: TemplateRef {
            id: "studio-release".into(),
            version: 3,
            sha256: "ab".repeat(32),
        },
        title: settings.template.title.get(Lang::Es).to_owned(),
        language: Lang::Es,
        signed_at: Utc.with_ymd_and_hms(2026, 11, 22, 15, 4, 5).unwrap(),
        device: "lobby-1".into(),
        customer: BTreeMap::from([
            ("FirstName".into(), "José".into()),
            ("LastName".into(), "Muñoz García".into()),
            ("Birthdate".into(), "2010-05-06".into()),
            ("PhoneNumber".into(), "+1 512 555 0177".into()),
            ("Email".into(), "jose.munoz@example.com".into()),
            ("City".into(), "Austin".into()),
        ]),
        age_at_signing: 16,
        emergency: Some(Contact {
            kind: ContactKind::Emergency,
            name: "Lucía García".into(),
            phone: Some("5125550178".into()),
            relation: Some("madre".into()),
        }),
        physician: None,
        health,
        clauses,
        guardian: Some(Guardian {
            name: "Lucía García".into(),
            relationship: "madre".into(),
            signature_png: pad(20.0),
        }),
        signature_png: pad(0.0),
    }
}

#[test]
fn the_pdf_reads_back_with_every_clause_and_its_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let release = release();
    let settings = Settings::defaults();
    let bytes = pdf::render(
        &release,
        "Estudio Norte",
        settings.logo.as_deref(),
        &settings.tr,
    )
    .unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let path = dir.path().join("release.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let path = path.to_str().unwrap();

    let text = tool("pdftotext", &["-layout", path, "-"]);
    // Words may be spread by the layout; compare with the spaces squeezed out.
    let squeezed: String = text.split_whitespace().collect();
    let has = |s: &str| squeezed.contains(&s.split_whitespace().collect::<String>());
    for expected in [
        "Estudio Norte",
        "José",
        "Muñoz García",
        "Lucía García",
        "madre",
        "látex y níquel",
        "lobby-1",
        "2026-11-22 15:04:05 UTC",
        &release.release_id.to_string(),
        "¿Tiene alguna alergia",
        // The frame in Spanish too: headings, answers, dates, the guardian's part.
        "Respuestas de salud",
        "Sí",
        "Fecha de nacimiento 6 de mayo de 2010",
        "Rechazado",
        "Confirmado por el padre, la madre o el tutor.",
        "Firmado por José Muñoz García el 22 de noviembre de 2026 a las 15:04 UTC",
        "Firmado por Lucía García en nombre de José Muñoz García",
        "Padre, madre o tutor",
        "Parentesco",
        "Plantilla studio-release, versión 3",
    ] {
        assert!(
            has(expected),
            "{expected:?} missing from the PDF text:\n{text}"
        );
    }
    let sha = release.sha256();
    assert!(has(&sha[..32]) && has(&sha[32..]), "the SHA-256 is printed");
    for clause in &release.clauses {
        if let Some(initials) = &clause.initials {
            assert!(
                has(&format!("Iniciales: {initials}")),
                "initials {initials} missing"
            );
        }
    }
    for english in [
        "Initials",
        "Health answers",
        "Signed by",
        "Declined",
        "November",
    ] {
        assert!(!has(english), "{english:?} in a Spanish release:\n{text}");
    }
    assert!(
        text.contains("página 2 de"),
        "a long release flows onto a second page"
    );

    let pages = dir.path().join("page");
    tool(
        "pdftoppm",
        &["-r", "150", "-png", path, pages.to_str().unwrap()],
    );
    let mut decoded = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "png") {
            let out = Command::new("zbarimg")
                .args(["--raw", "-q"])
                .arg(&p)
                .output()
                .expect("zbarimg could not run: install zbar-tools");
            decoded.extend(
                String::from_utf8(out.stdout)
                    .unwrap()
                    .lines()
                    .map(str::to_owned),
            );
        }
    }
    assert_eq!(
        decoded,
        vec![release.qr_payload()],
        "exactly one QR code, the release's"
    );
    assert!(Path::new(path).exists());
}

/// The PDF's text with its spaces squeezed out (the layout may spread words). With
/// `INTAKE_SNAPSHOT_PDF=DIR` the PDF is also kept there as `name`.pdf, to be looked at.
fn rendered_text(release: &ReleaseContent, name: &str) -> String {
    let settings = Settings::defaults();
    let bytes = pdf::render(
        release,
        "Estudio Norte",
        settings.logo.as_deref(),
        &settings.tr,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&path, &bytes).unwrap();
    if let Some(keep) = std::env::var_os("INTAKE_SNAPSHOT_PDF") {
        std::fs::copy(&path, Path::new(&keep).join(format!("{name}.pdf"))).unwrap();
    }
    tool("pdftotext", &["-layout", path.to_str().unwrap(), "-"])
        .split_whitespace()
        .collect()
}

#[test]
fn an_adults_release_in_english_says_what_was_accepted_and_who_confirmed_it() {
    let settings = Settings::defaults();
    let mut adult = release();
    adult.language = Lang::En;
    adult.title = settings.template.title.get(Lang::En).to_owned();
    adult.age_at_signing = 30;
    adult
        .customer
        .insert("Birthdate".into(), "1996-05-06".into());
    adult.guardian = None;
    adult.clauses = settings
        .template
        .clauses_for(false)
        .map(|c| ClauseAnswer::agreed(c, Lang::En, "JM"))
        .collect();
    adult.health = settings
        .questions
        .iter()
        .map(|q| HealthAnswer::new(q, Lang::En, false, None))
        .collect();
    let text = rendered_text(&adult, "adult-en");
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    for expected in [
        "Date of birth May 6, 1996",
        "I am of legal age",
        "Initials: JM",
        "Agreed (ticked)",
        "Accepted",
        "Signed by José Muñoz García on November 22, 2026 at 15:04 UTC",
        "Template studio-release version 3",
        "page 1 of",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "{expected:?} missing:\n{text}"
        );
    }
    for absent in [
        "Declined",
        "Parent or guardian",
        "Confirmed by the parent",
        "Iniciales",
    ] {
        assert!(!text.contains(&squeeze(absent)), "{absent:?} in:\n{text}");
    }

    // The minor's, in Spanish, kept for a look too.
    let text = rendered_text(&release(), "minor-es");
    assert!(text.contains("Rechazado"), "{text}");
}

#[test]
fn rendering_fails_cleanly_on_a_damaged_signature() {
    let mut release = release();
    release.signature_png = b"not a png".to_vec();
    let err = pdf::render(&release, "Estudio Norte", None, &Settings::defaults().tr).unwrap_err();
    assert!(err.to_string().contains("image"), "{err}");
}
