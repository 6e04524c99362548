//! What every command needs: the data directory, the database, and who is acting.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use intake_common::settings::Settings;
use intake_common::{Actor, Db, phone_keys, users};

use crate::database::Database;

pub struct Context {
    pub data_dir: PathBuf,
    /// The PostgreSQL database, when the store is on one.
    database_url: Option<String>,
    user: Option<String>,
    /// The shop settings directory, when one was given.
    pub settings: Option<PathBuf>,
}

impl Context {
    pub fn new(
        data_dir: Option<PathBuf>,
        database_url: Option<String>,
        user: Option<String>,
        settings: Option<PathBuf>,
    ) -> Result<Self> {
        let data_dir = match data_dir {
            Some(d) => d,
            None => directories::ProjectDirs::from("", "", "intake")
                .context("no home directory to keep data in; pass --data-dir DIR")?
                .data_dir()
                .to_path_buf(),
        };
        Ok(Self {
            data_dir,
            database_url,
            user,
            settings,
        })
    }

    /// The same context with the settings directory `settings`.
    pub fn with_settings(&self, settings: Option<PathBuf>) -> Context {
        Context {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            user: self.user.clone(),
            settings,
        }
    }

    /// Opens the database. With a settings directory, the stored phone keys are first made
    /// the shop's region's (a recompute, once, when the region changed); without one the
    /// database keeps the region it has, so an admin shell without the appliance's
    /// settings never recomputes them to the default.
    pub fn open(&self) -> Result<Db> {
        let mut db = self.database().open_for("the database")?;
        if let Some(dir) = &self.settings {
            let shop = Settings::load_shop(Some(dir))?;
            phone_keys::align(&mut db, shop.region, "intake-agent")?;
        }
        Ok(db)
    }

    /// The settings directory in force: --settings, else DATA_DIR/settings (where the
    /// console saves them), whether or not it exists yet.
    pub fn settings_dir(&self) -> PathBuf {
        self.settings
            .clone()
            .unwrap_or_else(|| self.data_dir.join(crate::store::SETTINGS_DIR))
    }

    /// The shop's settings (`shop.toml`) in force: from [`Context::settings_dir`] when it
    /// exists, else the shipped defaults.
    pub fn shop(&self) -> Result<intake_common::settings::Shop> {
        let dir = self.settings_dir();
        Ok(Settings::load_shop(
            Some(dir.as_path()).filter(|d| d.is_dir()),
        )?)
    }

    /// Where the database is.
    pub fn database(&self) -> Database {
        Database::new(self.data_dir.clone(), self.database_url.clone())
    }

    /// The acting user, signed in with their PIN (throttled as the client `cli`).
    pub fn sign_in(&self, db: &Db) -> Result<Actor> {
        let Some(name) = &self.user else {
            bail!(
                "this command needs a user: pass --user NAME (or set INTAKE_USER) and the PIN in INTAKE_PIN"
            );
        };
        // A lobby kiosk holds no staff (their PINs stay on the store): say so, rather than
        // "wrong PIN" for a name it never had.
        if let Some(p) = intake_common::sync::paired::paired(db.conn())?
            && p.role == intake_common::sync::DeviceRole::Kiosk
        {
            bail!(
                "this lobby kiosk is paired with the store at {} and holds no staff: run this on the store",
                p.store
            );
        }
        let pin = read_pin(&format!("PIN for {name}: "))?;
        Ok(users::sign_in_from(db, name, &pin, users::CLI_CLIENT)?)
    }

    /// The acting user if one was named; `None` otherwise.
    pub fn maybe_sign_in(&self, db: &Db) -> Result<Option<Actor>> {
        match &self.user {
            Some(_) => self.sign_in(db).map(Some),
            None => Ok(None),
        }
    }
}

/// A PIN from INTAKE_PIN, or asked for without echo on a terminal.
pub fn read_pin(prompt: &str) -> Result<String> {
    if let Ok(pin) = std::env::var("INTAKE_PIN") {
        return Ok(pin);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no PIN: set INTAKE_PIN, or run on a terminal to be asked");
    }
    Ok(rpassword::prompt_password(prompt)?)
}
