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
use intake_common::settings::{Confirm, Lang, Settings};
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
    let mut clauses: Vec<ClauseAnswer> = settings
        .template
        .clauses
        .iter()
        .enumerate()
        .map(|(i, c)| ClauseAnswer {
            id: c.id.clone(),
            text: c.text.get(Lang::Es).to_owned(),
            confirm: c.confirm,
            initials: (c.confirm == Confirm::Initials).then(|| format!("JG{i}")),
        })
        .collect();
    for i in 0..12 {
        clauses.push(ClauseAnswer {
            id: format!("extra-{i}"),
            text: format!(
                "Cláusula adicional número {i}: entiendo que el cuidado posterior, la higiene y el \
                 seguimiento de las indicaciones del artista son mi responsabilidad durante la \
                 cicatrización, y que cualquier duda la consultaré con el estudio."
            ),
            confirm: Confirm::Initials,
            initials: Some(format!("X{i}")),
        });
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
    let bytes = pdf::render(&release, "Estudio Norte", settings.logo.as_deref()).unwrap();
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
        "studio-release version 3",
        "lobby-1",
        "2026-11-22 15:04:05 UTC",
        &release.release_id.to_string(),
        "¿Tiene alguna alergia",
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
                has(&format!("Initials: {initials}")),
                "initials {initials} missing"
            );
        }
    }
    assert!(
        text.contains("page 2 of"),
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

#[test]
fn rendering_fails_cleanly_on_a_damaged_signature() {
    let mut release = release();
    release.signature_png = b"not a png".to_vec();
    let err = pdf::render(&release, "Estudio Norte", None).unwrap_err();
    assert!(err.to_string().contains("image"), "{err}");
}
