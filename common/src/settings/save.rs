//! Changing the shop's settings from the store (its staff console): one file at a time,
//! checked with the same parser and checks as [`Settings::load`], never leaving a broken
//! file behind, audited, and only by a role holding `manage:settings`.
//!
//! A save writes the new file into a temporary copy of the settings directory and loads
//! the whole settings from that copy; only when that load succeeds is the new file written
//! beside the old one and renamed over it (a rename is atomic), so the directory always
//! holds settings that load. A new release template is registered as a new version
//! ([`crate::release::register_template`]); releases already signed keep theirs.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{
    DEFAULT_QUESTIONS, DEFAULT_SHOP, DEFAULT_TEMPLATE, QUESTIONS_FILE, SHOP_FILE, Settings, Shop,
    TEMPLATE_FILE, parse_questions, parse_template, shop_problems,
};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::release::{self, TemplateRef};
use crate::users::{Actor, Permission};

/// The largest logo a shop may upload.
pub const MAX_LOGO_BYTES: usize = 512 << 10;
/// What every PNG file starts with.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
/// The logo's file name when the shop had none (or one outside the directory).
const LOGO_FILE: &str = "logo.png";

/// One save: which settings file changes, and its new content.
#[derive(Debug, Clone)]
pub enum Change {
    /// `shop.toml`.
    Shop(Shop),
    /// The logo, PNG bytes.
    Logo(Vec<u8>),
    /// `release-template.toml`, its text.
    Template(String),
    /// `health-questions.toml`, its text.
    Questions(String),
}

impl Change {
    /// The audit log's action for it.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Shop(_) => "settings.shop",
            Change::Logo(_) => "settings.logo",
            Change::Template(_) => "settings.template",
            Change::Questions(_) => "settings.questions",
        }
    }
}

/// What a save left in force.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The whole settings as the directory now holds them.
    pub settings: Settings,
    /// The release template's stored version.
    pub template: TemplateRef,
    /// What the audit entry says changed.
    pub detail: String,
    /// The save's number among every store process's saves.
    pub generation: i64,
}

/// Saves go one at a time (and a process following another's saves waits for its own):
/// two at once would each check a directory the other changes.
pub(super) static SAVING: Mutex<()> = Mutex::new(());

/// Whether `bytes` can be the shop's logo: a PNG, not empty, at most [`MAX_LOGO_BYTES`].
pub fn check_logo(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(format!(
            "the logo is {} KiB: use a PNG of at most {} KiB",
            bytes.len().div_ceil(1024),
            MAX_LOGO_BYTES / 1024
        ));
    }
    if !bytes.starts_with(&PNG_SIGNATURE) || bytes.len() < 33 {
        return Err("the logo is not a PNG image".into());
    }
    Ok(())
}

/// The text of the settings file `name` as the store loads it: the one in `dir`, else the
/// shipped default.
pub fn text_of(dir: Option<&Path>, name: &str) -> Result<String> {
    let default = match name {
        SHOP_FILE => DEFAULT_SHOP,
        TEMPLATE_FILE => DEFAULT_TEMPLATE,
        QUESTIONS_FILE => DEFAULT_QUESTIONS,
        _ => return Err(Error::Invalid(format!("{name} is not a settings file"))),
    };
    Ok(super::read(dir, name, default)?.0)
}

/// Saves `change` into the settings directory `dir` (made if missing) for `by`, who needs
/// `manage:settings`: checked, written atomically, the template registered, audited.
/// Nothing is written when any check fails.
pub fn save(db: &mut Db, by: &Actor, dir: &Path, change: &Change) -> Result<Saved> {
    by.require(Permission::ManageSettings)?;
    let _one_at_a_time = SAVING.lock().unwrap_or_else(|p| p.into_inner());
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // Every save recorded by any store process first: a change is made over the newest
    // settings, never over a directory a moment behind.
    super::shared::follow_locked(db, dir)?;
    let holds = super::shared::applied(dir);
    let files = files_of(dir, change)?;
    let settings = check_files(dir, &files)?;
    let template = release::register_template(db, &settings.template)?;
    let detail = match change {
        Change::Shop(shop) => format!("shop {:?}", shop.name),
        Change::Logo(bytes) => format!("logo {} bytes", bytes.len()),
        Change::Template(_) => format!("template {} version {}", template.id, template.version),
        Change::Questions(_) => format!("{} health questions", settings.questions.len()),
    };
    // Recorded before the files are written: a save is never in force here alone. A write
    // that fails after the record is made good by the next follow.
    let tx = db.write()?;
    let generation = super::shared::record(&tx, &files, &by.name)?;
    crate::audit::record(&tx, &by.name, change.action(), None, &detail)?;
    tx.commit()?;
    write_files(dir, &files)?;
    if generation == holds + 1 {
        // No other process saved in between: the directory holds every save to this one.
        super::shared::mark_applied(dir, generation)?;
    }
    tracing::info!(by = %by.name, action = change.action(), %detail, "settings saved");
    Ok(Saved {
        settings,
        template,
        detail,
        generation,
    })
}

/// The settings the directory `dir` (made if missing) would hold with `files` in it:
/// loaded from a copy, so nothing in `dir` changes.
pub(super) fn check_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<Settings> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e| Error::io(&path, e)
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;

    // The whole settings, loaded from a copy of the directory with the new files in it.
    let check = tempfile::Builder::new()
        .prefix(".check-")
        .tempdir_in(dir)
        .map_err(io(dir))?;
    copy_settings(dir, check.path())?;
    for (name, bytes) in files {
        let path = check.path().join(name);
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    let settings = Settings::load(Some(check.path())).map_err(|e| {
        // Name the file the shop knows, not the copy.
        let shown = e.to_string().replace(
            &check.path().display().to_string(),
            &dir.display().to_string(),
        );
        Error::Invalid(shown)
    })?;
    drop(check);
    Ok(settings)
}

/// Writes `files` into the settings directory `dir`, each atomically.
pub(super) fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e| Error::io(&path, e)
    };
    // Each file beside its old one, synced, then renamed over it.
    for (name, bytes) in files {
        let path = dir.join(name);
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .tempfile_in(dir)
            .map_err(io(dir))?;
        std::io::Write::write_all(&mut tmp, bytes).map_err(io(&path))?;
        tmp.as_file().sync_all().map_err(io(&path))?;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
    }
    if let Ok(d) = std::fs::File::open(dir) {
        // The renames themselves outlive a power cut (best effort: not every system can).
        let _ = d.sync_all();
    }
    Ok(())
}

/// The files a change writes, by name, after its own checks.
fn files_of(dir: &Path, change: &Change) -> Result<Vec<(String, Vec<u8>)>> {
    let toml_of = |shop: &Shop| {
        toml::to_string(shop).map_err(|e| Error::Invalid(format!("{SHOP_FILE}: {e}")))
    };
    Ok(match change {
        Change::Shop(shop) => {
            if let Some((_, message)) = shop_problems(shop).into_iter().next() {
                return Err(Error::Invalid(message));
            }
            // The logo stays as it was: this form does not choose it.
            let mut shop = shop.clone();
            shop.logo = Settings::load_shop(Some(dir))?.logo;
            vec![(SHOP_FILE.to_owned(), toml_of(&shop)?.into_bytes())]
        }
        Change::Logo(bytes) => {
            check_logo(bytes).map_err(Error::Invalid)?;
            let mut shop = Settings::load_shop(Some(dir))?;
            let name = match &shop.logo {
                Some(name) if is_plain_png_name(name) => name.clone(),
                _ => LOGO_FILE.to_owned(),
            };
            let mut files = vec![(name.clone(), bytes.clone())];
            if shop.logo.as_deref() != Some(name.as_str()) {
                shop.logo = Some(name);
                files.push((SHOP_FILE.to_owned(), toml_of(&shop)?.into_bytes()));
            }
            files
        }
        Change::Template(text) => {
            parse_template(text).map_err(|m| Error::Invalid(format!("{TEMPLATE_FILE}: {m}")))?;
            vec![(TEMPLATE_FILE.to_owned(), text.clone().into_bytes())]
        }
        Change::Questions(text) => {
            parse_questions(text).map_err(|m| Error::Invalid(format!("{QUESTIONS_FILE}: {m}")))?;
            vec![(QUESTIONS_FILE.to_owned(), text.clone().into_bytes())]
        }
    })
}

/// A logo name that is a file in the settings directory itself.
fn is_plain_png_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.ends_with(".png")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Copies what [`Settings::load`] reads from `from` (its files, and `i18n/`) into `to`.
fn copy_settings(from: &Path, to: &Path) -> Result<()> {
    let copy_files = |from: &Path, to: &Path| -> Result<()> {
        let entries = std::fs::read_dir(from).map_err(|e| Error::io(from, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(from, e))?;
            let name = entry.file_name();
            let path: PathBuf = entry.path();
            if name.to_string_lossy().starts_with('.') || !path.is_file() {
                continue;
            }
            std::fs::copy(&path, to.join(&name)).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    };
    copy_files(from, to)?;
    let i18n = from.join("i18n");
    if i18n.is_dir() {
        let into = to.join("i18n");
        std::fs::create_dir_all(&into).map_err(|e| Error::io(&into, e))?;
        copy_files(&i18n, &into)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::Role;

    fn owner() -> Actor {
        Actor {
            name: "olga".into(),
            role: Role::Owner,
        }
    }

    fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .filter(|(_, p)| p.is_file())
            .map(|(n, p)| (n, std::fs::read(p).unwrap()))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_save_is_checked_written_whole_versioned_and_audited() {
        let data = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(data.path()).unwrap();
        let dir = data.path().join("settings");

        // Only a role holding manage:settings, and nothing is made for one without.
        let artist = Actor {
            name: "ari".into(),
            role: Role::Artist,
        };
        let shop = Settings::defaults().shop;
        let err = save(&mut db, &artist, &dir, &Change::Shop(shop.clone())).unwrap_err();
        assert!(matches!(err, Error::Forbidden { .. }), "{err}");
        assert!(!dir.exists());

        let mut renamed = shop.clone();
        renamed.name = "Ink Lab".into();
        let saved = save(&mut db, &owner(), &dir, &Change::Shop(renamed)).unwrap();
        assert_eq!(saved.settings.shop.name, "Ink Lab");
        assert_eq!(saved.template.version, 1);
        let loaded = Settings::load(Some(&dir)).unwrap();
        assert_eq!(loaded.shop.name, "Ink Lab");
        assert_eq!(loaded.shop.logo.as_deref(), Some("logo.png"), "logo kept");
        assert!(loaded.logo.is_some());

        // Refused values change no byte.
        let before = snapshot(&dir);
        let mut bad = loaded.shop.clone();
        bad.idle_timeout_secs = 5;
        let err = save(&mut db, &owner(), &dir, &Change::Shop(bad)).unwrap_err();
        assert!(err.to_string().contains("idle_timeout_secs is 5"), "{err}");
        let err = save(&mut db, &owner(), &dir, &Change::Logo(b"GIF89a".to_vec())).unwrap_err();
        assert!(err.to_string().contains("not a PNG"), "{err}");
        let err = save(
            &mut db,
            &owner(),
            &dir,
            &Change::Template("id = \"x\"\ntitle.en = \"T\"\nclauses = 3\n".into()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        let err = save(
            &mut db,
            &owner(),
            &dir,
            &Change::Questions("[[questions]]\nid = \"a\"\n".into()),
        )
        .unwrap_err();
        assert!(err.to_string().contains(QUESTIONS_FILE), "{err}");
        assert_eq!(snapshot(&dir), before);

        // A changed template is a new version; the same text again is not.
        let text = text_of(None, TEMPLATE_FILE).unwrap().replace(
            "I am not under the influence",
            "I am sober and not under the influence",
        );
        let saved = save(&mut db, &owner(), &dir, &Change::Template(text.clone())).unwrap();
        assert_eq!(saved.template.version, 2);
        assert_eq!(saved.detail, "template studio-release version 2");
        let again = save(&mut db, &owner(), &dir, &Change::Template(text)).unwrap();
        assert_eq!(again.template.version, 2);
        assert_eq!(
            std::fs::read_to_string(dir.join(TEMPLATE_FILE))
                .unwrap()
                .matches("I am sober")
                .count(),
            1
        );

        // A logo is written, and the shop file names it.
        let png = crate::settings::DEFAULT_LOGO.to_vec();
        save(&mut db, &owner(), &dir, &Change::Logo(png.clone())).unwrap();
        assert_eq!(std::fs::read(dir.join("logo.png")).unwrap(), png);

        // No temporary file or directory is left behind; the directory knows the last save
        // it holds (the fourth).
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != super::super::GENERATION_FILE)
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
        assert_eq!(super::super::applied(&dir), 4);

        let actions: Vec<String> = crate::audit::recent(db.conn(), 10)
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {}", e.action, e.detail))
            .collect();
        assert!(actions.contains(&"settings.template template studio-release version 2".into()));
        assert!(actions.contains(&"settings.shop shop \"Ink Lab\"".into()));
        assert!(actions.iter().any(|a| a.starts_with("settings.logo logo ")));
    }

    #[test]
    fn a_logo_is_a_png_of_bounded_size() {
        assert!(check_logo(crate::settings::DEFAULT_LOGO).is_ok());
        assert!(check_logo(b"").is_err());
        assert!(check_logo(&PNG_SIGNATURE).is_err(), "a signature alone");
        let mut big = PNG_SIGNATURE.to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert!(check_logo(&big).unwrap_err().contains("at most 512 KiB"));
        assert!(is_plain_png_name("logo.png"));
        assert!(!is_plain_png_name("../logo.png"));
        assert!(!is_plain_png_name("sub/logo.png"));
    }
}
