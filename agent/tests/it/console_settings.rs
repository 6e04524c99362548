//! The console's Settings page over real HTTPS against a real store: a saved shop name is
//! on the console's and Web Sign's pages at once and after a restart; every refused value
//! is named and leaves the settings files' bytes as they were; a changed release template
//! is version 2 while a release signed before keeps version 1 and one signed after (on Web
//! Sign) carries version 2; the preview shows the edited text without saving; the sample
//! PDF is a PDF; only roles holding manage:settings see or open the page; forged tokens
//! are refused; each save is in the audit log.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::path::{Path, PathBuf};

use intake_common::settings::{QUESTIONS_FILE, TEMPLATE_FILE, text_of};
use intake_tests::console::{Answer, Console};
use intake_tests::web_sign::{ADULT, Phone, fill};
use serde_json::Value;

use crate::console::{add_user, is_page, signed_in};
use crate::support::{OWNER, PIN, Store, add_owner, agent};

const SETTINGS: &str = "/console/settings";

/// A store serving Web Sign, with its owner, an artist (ari) and a front-desk user (fran).
fn shop(dir: &Path) -> Store {
    add_owner(dir);
    add_user(dir, "ari", "artist", "135790");
    add_user(dir, "fran", "front-desk", "975310");
    Store::start(dir, &["--web-sign"])
}

fn settings_dir(dir: &Path) -> PathBuf {
    dir.join("settings")
}

/// Every file of the settings directory with its bytes (none when it is not there).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(settings_dir(dir)) else {
        return Vec::new();
    };
    let mut all: Vec<_> = entries
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

fn audit(dir: &Path) -> Vec<(String, String)> {
    let log: Value = serde_json::from_str(&agent(dir, &["audit", "--json"])).unwrap();
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn releases(dir: &Path) -> Vec<Value> {
    serde_json::from_str::<Value>(&agent(dir, &["release", "list", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The shop form with `changes` over good values.
pub(crate) async fn post_shop(c: &Console, changes: &[(&str, &str)]) -> Answer {
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Northside Tattoo & Piercing"),
        ("idle", "60"),
        ("warning", "15"),
        ("adult-age", "18"),
        ("languages", "en"),
        ("languages", "es"),
        ("region", "US"),
        ("web-sign-url", ""),
        ("retention-on", "yes"),
        ("release-years", "5"),
        ("minor-years", "3"),
        ("customer-years", "5"),
        ("audit-years", "6"),
    ];
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        if !(*name == "languages" && value.is_empty()) {
            fields.push((name, value));
        }
    }
    c.post(&format!("{SETTINGS}/shop"), &fields).await
}

/// A release signed on Web Sign by the sample adult; its template version.
async fn sign_on_the_web(store: &Store, dir: &Path) -> u64 {
    let before = releases(dir).len();
    let mut phone = Phone::new(&store.dir, &store.url);
    assert_eq!(phone.open("").await, 200, "{}", phone.page);
    fill(&mut phone, &ADULT).await;
    assert_eq!(phone.post("submit", &[]).await, 200, "{}", phone.page);
    let list = releases(dir);
    assert_eq!(list.len(), before + 1);
    list[0]["template_version"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_settings_shop_is_live_checked_kept_and_only_for_its_roles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let fran = signed_in(dir, &store, "fran", "975310").await;
    let ari = signed_in(dir, &store, "ari", "135790").await;

    // Front desk and artist: no link, and 403 on every settings route.
    for c in [&fran, &ari] {
        let page = c.get("/console/customers").await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains(SETTINGS), "no link to the settings");
        let a = c.get(SETTINGS).await;
        assert!(a.status == 403 && is_page(&a), "{}", a.status);
        let a = post_shop(c, &[("name", "Taken Over")]).await;
        assert_eq!(a.status, 403);
    }
    let page = owner.get("/console/customers").await;
    assert!(page.body.contains(&format!("href=\"{SETTINGS}\"")));
    let page = owner.get(SETTINGS).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Paired kiosks keep their own settings files")
    );
    assert!(page.body.contains("data:image/png;base64,"), "the logo");

    // Bad values: each named beside its field, 422, and no byte written.
    let before = files(dir);
    for (changes, id, says) in [
        (vec![("name", "  ")], "name", "name is empty"),
        (vec![("idle", "5")], "idle", "idle_timeout_secs is 5"),
        (vec![("idle", "99999")], "idle", "use 15 to 3600"),
        (vec![("idle", "soon")], "idle", "is not a whole number"),
        (
            vec![("warning", "60")],
            "warning",
            "less than idle_timeout_secs",
        ),
        (vec![("adult-age", "40")], "adult-age", "use 1 to 25"),
        (
            vec![("languages", "")],
            "languages",
            "Choose at least one language",
        ),
        (
            vec![("languages", "fr")],
            "languages",
            "Choose at least one language",
        ),
        (vec![("region", "XZ")], "region", "ISO 3166"),
        (
            vec![("release-years", "0")],
            "release-years",
            "use 1 to 50 years",
        ),
        (
            vec![("minor-years", "51")],
            "minor-years",
            "use 0 to 50 years",
        ),
        (
            vec![("audit-years", "forever")],
            "audit-years",
            "is not a whole number",
        ),
        (
            vec![("web-sign-url", "http://x")],
            "web-sign-url",
            "https://",
        ),
    ] {
        let a = post_shop(&owner, &changes).await;
        assert_eq!(a.status, 422, "{changes:?}: {}", a.body);
        let error = a
            .body
            .split(&format!("id=\"{id}-error\""))
            .nth(1)
            .unwrap_or_else(|| panic!("{changes:?}: no error beside {id}"));
        let error = &error[error.find('>').unwrap() + 1..];
        let error = &error[..error.find('<').unwrap()];
        assert!(error.contains(says), "{changes:?}: {error}");
        assert!(
            a.body.contains(&format!("href=\"#{id}\"")),
            "listed, linked"
        );
        assert_eq!(files(dir), before, "{changes:?} wrote nothing");
    }

    // Forged tokens: none, another session's, a made-up one.
    let other = signed_in(dir, &store, OWNER, PIN).await;
    let others = other.csrf().await;
    for token in ["", "forged", others.as_str()] {
        let a = post_shop(&owner, &[("csrf", token), ("name", "Forged")]).await;
        assert_eq!(a.status, 403, "token {token:?}");
    }
    let a = owner
        .try_upload_as(
            &format!("{SETTINGS}/logo"),
            "logo",
            "logo.png",
            &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/logo.png")).unwrap(),
            Some("forged"),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 403);
    assert_eq!(files(dir), before);

    // A logo that is not a PNG, or too large: named, nothing written.
    let mut large = b"\x89PNG\r\n\x1a\n".to_vec();
    large.resize(600 << 10, 7);
    for (bytes, says) in [
        (b"GIF89a not a png at all, really not".to_vec(), "not a PNG"),
        (large, "at most 512 KiB"),
    ] {
        let a = owner
            .try_upload_as(&format!("{SETTINGS}/logo"), "logo", "x.png", &bytes, None)
            .await
            .unwrap();
        assert_eq!(a.status, 422, "{}", a.body);
        assert!(a.body.contains("id=\"logo-error\""), "{}", a.body);
        assert!(a.body.contains(says), "{says}");
        assert_eq!(files(dir), before);
    }

    // A new name: on the console's pages and Web Sign's at once, in the file, audited.
    let a = post_shop(
        &owner,
        &[
            ("name", "Ink Lab Studio"),
            ("idle", "90"),
            ("release-years", "2"),
        ],
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location(), Some("/console/settings?saved=1"));
    let page = owner.get("/console/customers").await;
    assert!(page.body.contains("Ink Lab Studio"));
    let page = fran.get("/console/customers").await;
    assert!(
        page.body.contains("Ink Lab Studio"),
        "every session's pages"
    );
    let mut phone = Phone::new(&store.dir, &store.url);
    assert_eq!(phone.open("").await, 200);
    assert!(phone.shows("Ink Lab Studio"), "{}", phone.page);
    let shop_file = std::fs::read_to_string(settings_dir(dir).join("shop.toml")).unwrap();
    assert!(shop_file.contains("Ink Lab Studio") && shop_file.contains("idle_timeout_secs = 90"));
    // The retention policy is the shop's too: in the file, and what the pass goes by.
    assert!(shop_file.contains("[retention]") && shop_file.contains("release_years = 2"));
    let policy = crate::support::agent(dir, &["retention", "policy", "--json"]);
    assert!(policy.contains("\"release_years\": 2"), "{policy}");
    // Unticked: no policy stated, nothing deleted by the store itself; audited both times.
    let a = post_shop(
        &owner,
        &[
            ("name", "Ink Lab Studio"),
            ("idle", "90"),
            ("retention-on", ""),
        ],
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let shop_file = std::fs::read_to_string(settings_dir(dir).join("shop.toml")).unwrap();
    assert!(!shop_file.contains("[retention]"), "{shop_file}");
    let policy = crate::support::agent(dir, &["retention", "policy", "--json"]);
    assert!(policy.contains("\"stated\": false"), "{policy}");
    let log = crate::support::agent(dir, &["audit", "--json", "--limit", "30"]);
    assert_eq!(log.matches("retention.policy").count(), 2, "{log}");

    // Only Spanish: Web Sign offers Spanish alone.
    let a = post_shop(
        &owner,
        &[
            ("name", "Ink Lab Studio"),
            ("idle", "90"),
            ("languages", "es"),
        ],
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let mut phone = Phone::new(&store.dir, &store.url);
    assert_eq!(phone.open("").await, 200);
    assert!(phone.page.contains("lang=\"es\""), "{}", phone.page);

    // A good logo: written as sent, shown.
    let png = intake_common::release::signature::render_typed_png("Ink Lab").unwrap();
    let a = owner
        .try_upload_as(&format!("{SETTINGS}/logo"), "logo", "ink.png", &png, None)
        .await
        .unwrap();
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(
        std::fs::read(settings_dir(dir).join("logo.png")).unwrap(),
        png
    );
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&png);
    assert!(owner.get(SETTINGS).await.body.contains(&encoded));

    let log = audit(dir);
    assert!(log.contains(&("settings.shop".into(), "shop \"Ink Lab Studio\"".into())));
    assert!(log.contains(&("settings.logo".into(), format!("logo {} bytes", png.len()))));
    assert_eq!(
        log.iter()
            .filter(|(a, _)| a.starts_with("settings."))
            .count(),
        4,
        "one entry per save, none for a refusal"
    );

    // The settings outlive the store: the next start loads DATA_DIR/settings.
    drop(store);
    let store = Store::start(dir, &["--web-sign"]);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let page = owner.get(SETTINGS).await;
    assert!(page.body.contains("Ink Lab Studio"));
    assert!(page.body.contains("value=\"90\""));
    assert!(page.body.contains(&encoded));
    let mut phone = Phone::new(&store.dir, &store.url);
    assert_eq!(phone.open("").await, 200);
    assert!(phone.shows("Ink Lab Studio"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_settings_template_versions_preview_questions_and_sample_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    assert_eq!(sign_on_the_web(&store, dir).await, 1);
    // A form begun under version 1, to be submitted after the change.
    let mut begun = Phone::new(&store.dir, &store.url);
    assert_eq!(begun.open("").await, 200);
    fill(&mut begun, &ADULT).await;

    let shipped = text_of(None, TEMPLATE_FILE).unwrap();
    let old = "I am not under the influence of alcohol or drugs.";
    let new = "I am sober: not under the influence of alcohol, drugs or anything else.";
    assert!(shipped.contains(old));
    let edited = shipped.replace(old, new);
    let path = format!("{SETTINGS}/template");

    // Preview: the edited clause, in the page, nothing saved.
    let a = owner
        .post(
            &path,
            &[("text", &edited), ("lang", "en"), ("action", "preview")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let preview = a.body.split("id=\"preview\"").nth(1).expect("a preview");
    assert!(preview.contains(new) && !preview.contains(old));
    assert!(files(dir).is_empty(), "a preview writes nothing");
    assert!(a.body.contains("version 1"));
    let a = owner
        .post(
            &path,
            &[("text", &edited), ("lang", "es"), ("action", "preview")],
        )
        .await;
    let preview = a.body.split("id=\"preview\"").nth(1).unwrap();
    assert!(preview.contains("No estoy bajo los efectos del alcohol ni de drogas."));

    // A template that does not parse, or fails its checks: the parser's line, nothing saved.
    let duplicate = shipped.replace("id = \"risks\"", "id = \"sober\"");
    let no_english: String = shipped
        .lines()
        .filter(|l| !l.starts_with("text.en = \"I have received aftercare"))
        .map(|l| format!("{l}\n"))
        .collect();
    for (text, says) in [
        (
            shipped.replace("confirm = \"tick\"", "confirm = \"nod\""),
            "line",
        ),
        (
            "id = \"x\"\ntitle.en = \"T\"\nclauses = 3\n".to_string(),
            "line 3",
        ),
        (duplicate, "two clauses have the id &quot;sober&quot;"),
        (no_english, "no English text"),
        (String::new(), "missing field"),
    ] {
        for action in ["save", "preview"] {
            let a = owner
                .post(&path, &[("text", &text), ("action", action)])
                .await;
            assert_eq!(a.status, 422, "{says}: {}", a.body);
            assert!(a.body.contains("id=\"template-error\""), "{says}");
            assert!(a.body.contains(says), "{says}: {}", a.body);
            assert!(files(dir).is_empty(), "{says} wrote nothing");
        }
    }
    let a = owner
        .post(
            &path,
            &[
                ("text", &format!("# {}", "a".repeat(50_000))),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("longer than"));
    let a = owner
        .post(
            &path,
            &[("csrf", "forged"), ("text", &edited), ("action", "save")],
        )
        .await;
    assert_eq!(a.status, 403);
    assert!(files(dir).is_empty());

    // Saved: version 2 in force, version 1 keeps its release.
    let a = owner
        .post(&path, &[("text", &edited), ("action", "save")])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(
        std::fs::read_to_string(settings_dir(dir).join(TEMPLATE_FILE)).unwrap(),
        edited
    );
    let page = owner.get(SETTINGS).await.body;
    assert!(
        page.contains("In force: studio-release version 2."),
        "{page}"
    );
    let row = |v: u32| {
        let row = page
            .split(&format!("<th scope=\"row\">{v}</th>"))
            .nth(1)
            .unwrap();
        row[..row.find("</tr>").unwrap()].to_string()
    };
    assert!(row(1).ends_with("<td>1</td>"), "{}", row(1));
    assert!(row(2).ends_with("<td>0</td>"), "{}", row(2));
    assert!(audit(dir).contains(&(
        "settings.template".into(),
        "template studio-release version 2".into()
    )));

    // The form begun under version 1 answers the clauses again; a new one signs version 2.
    assert_eq!(begun.post("submit", &[]).await, 422, "{}", begun.page);
    assert_eq!(releases(dir).len(), 1);
    assert_eq!(sign_on_the_web(&store, dir).await, 2);
    let versions: Vec<u64> = releases(dir)
        .iter()
        .map(|r| r["template_version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, vec![2, 1]);
    let mut phone = Phone::new(&store.dir, &store.url);
    phone.open("").await;
    fill(&mut phone, &ADULT).await;
    assert!(
        phone.shows("I am sober: not under the influence"),
        "{}",
        phone.page
    );

    // The health questions: refused when wrong, previewed, saved.
    let qpath = format!("{SETTINGS}/questions");
    let questions = text_of(None, QUESTIONS_FILE).unwrap();
    let before = files(dir);
    for (text, says) in [
        (
            questions.replace("kind = \"allergy\"", "kind = \"mood\""),
            "line",
        ),
        (
            questions.replace("id = \"diabetes\"", "id = \"allergies\""),
            "two questions",
        ),
        (
            questions.replace("name = \"Diabetes\"", "name = \"\""),
            "empty name",
        ),
    ] {
        let a = owner
            .post(&qpath, &[("text", &text), ("action", "save")])
            .await;
        assert_eq!(a.status, 422, "{says}");
        assert!(
            a.body.contains("id=\"questions-error\"") && a.body.contains(says),
            "{says}"
        );
        assert_eq!(files(dir), before);
    }
    let asked = questions.replace("Do you have diabetes?", "Do you have diabetes of any type?");
    let a = owner
        .post(
            &qpath,
            &[("text", &asked), ("lang", "en"), ("action", "preview")],
        )
        .await;
    assert_eq!(a.status, 200);
    let preview = a.body.split("id=\"preview\"").nth(1).unwrap();
    assert!(preview.contains("Do you have diabetes of any type?"));
    assert!(
        preview.contains(new),
        "the saved template beside the edited questions"
    );
    assert_eq!(files(dir), before);
    let a = owner
        .post(&qpath, &[("text", &asked), ("action", "save")])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(audit(dir).contains(&("settings.questions".into(), "10 health questions".into())));

    // The sample PDF: a PDF, under the saved template.
    let a = owner.get(&format!("{SETTINGS}/sample.pdf?lang=es")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["content-type"], "application/pdf");
    assert!(a.body.starts_with("%PDF-"));
    let pdf = dir.join("sample.pdf");
    let bytes = bytes_of(dir, &owner, &format!("{SETTINGS}/sample.pdf?lang=en")).await;
    std::fs::write(&pdf, bytes).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext runs: install poppler-utils");
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("I am sober: not under the influence"),
        "{text}"
    );
}

/// A download's bytes as they came (an [`Answer`] keeps text), with `c`'s session.
async fn bytes_of(dir: &Path, c: &Console, path: &str) -> Vec<u8> {
    let cookie = format!(
        "{}={}",
        intake_tests::console::COOKIE_NAME,
        c.cookie.as_deref().unwrap()
    );
    let resp = crate::support::client(dir)
        .get(format!("{}{path}", c.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap().to_vec()
}
