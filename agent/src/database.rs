//! Where the store's database is: the SQLite file in the data directory (the embedded
//! default), or a PostgreSQL database named by `--database` / `INTAKE_DATABASE_URL`. The
//! data directory keeps the sealing key, the certificate and the settings either way.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use intake_common::Db;

#[derive(Clone)]
pub struct Database {
    pub data_dir: PathBuf,
    /// The PostgreSQL connection string, when the store is on PostgreSQL.
    url: Option<String>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection string may hold a password.
        f.write_str(&self.describe())
    }
}

impl Database {
    pub fn new(data_dir: PathBuf, url: Option<String>) -> Self {
        let url = url.filter(|u| !u.trim().is_empty());
        Self { data_dir, url }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.is_some()
    }

    /// Opens it (migrating, and checking the key).
    pub fn open(&self) -> intake_common::Result<Db> {
        match &self.url {
            Some(url) => Db::open_postgres_in(url, &self.data_dir),
            None => Db::open_dir(&self.data_dir),
        }
    }

    /// [`Self::open`], with what was being opened in the error.
    pub fn open_for(&self, what: &str) -> Result<Db> {
        self.open()
            .with_context(|| format!("opening {what} {}", self.describe()))
    }

    /// Where it is, said without a password.
    pub fn describe(&self) -> String {
        match &self.url {
            Some(url) => format!(
                "{} (key in {})",
                intake_common::db::describe_url(url),
                self.data_dir.display()
            ),
            None => format!("in {}", self.data_dir.display()),
        }
    }

    /// Refuses what only a device's own SQLite database does.
    pub fn refuse_postgres(&self, what: &str) -> Result<()> {
        if self.is_postgres() {
            bail!(
                "{what} on a device, which keeps its own SQLite database: leave out --database (INTAKE_DATABASE_URL)"
            );
        }
        Ok(())
    }
}
