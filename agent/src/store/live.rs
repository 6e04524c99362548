//! The shop's settings in force, replaceable while the store runs: the console's Settings
//! page saves a file and puts the new settings here, and the console and Web Sign read
//! them on their next request, without a restart. Every store process follows the saves
//! the others make ([`follow_saves`]).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use intake_common::normalize::Region;
use intake_common::release::TemplateRef;
use intake_common::settings::Settings;

/// The settings in force and the release template version Web Sign signs under.
#[derive(Debug)]
pub struct Current {
    /// The settings, with the region phone keys are made in while the store runs.
    pub settings: Settings,
    pub template: TemplateRef,
    /// The region `shop.toml` says: in force from the store's next start, when the stored
    /// phone keys are remade for it.
    pub region_in_file: Region,
}

impl Current {
    /// `settings` under the store's running `region`.
    pub fn new(mut settings: Settings, template: TemplateRef, region: Region) -> Self {
        let region_in_file = std::mem::replace(&mut settings.shop.region, region);
        Self {
            settings,
            template,
            region_in_file,
        }
    }
}

/// The shared, replaceable settings: cheap to read (a clone of an `Arc`).
#[derive(Clone)]
pub struct Live {
    /// The settings in force, and the number of the last save (by any store process) they
    /// hold.
    current: Arc<RwLock<(i64, Arc<Current>)>>,
    /// Where the settings files live: `--settings DIR`, else `DATA_DIR/settings`.
    pub dir: PathBuf,
}

impl Live {
    /// `current`, holding the saves up to number `generation`, in force from `dir`.
    pub fn new(current: Current, generation: i64, dir: PathBuf) -> Self {
        Self {
            current: Arc::new(RwLock::new((generation, Arc::new(current)))),
            dir,
        }
    }

    /// The settings in force now.
    pub fn get(&self) -> Arc<Current> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()).1)
    }

    /// Puts `current`, holding the saves up to number `generation`, in force for every
    /// request after this one, unless newer settings are in force already (a follow that
    /// read the saves before a save this process just made).
    pub fn set(&self, generation: i64, current: Current) {
        let mut now = self.current.write().unwrap_or_else(|p| p.into_inner());
        if generation >= now.0 {
            *now = (generation, Arc::new(current));
        }
    }
}

/// How often a store process looks for settings saved by another.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Puts in force, in this process, the settings saves any store process on the database
/// makes (its own included, which changes nothing), until the process ends.
pub async fn follow_saves(state: Arc<super::State>) {
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        let dir = state.live.dir.clone();
        let followed = state
            .pool
            .run(move |db| Ok(intake_common::settings::follow(db, &dir)?))
            .await;
        match followed {
            Ok(Some((generation, settings, template))) => {
                state
                    .live
                    .set(generation, Current::new(settings, template, state.region));
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e.message(), "settings saved by another store process could not be put in force");
            }
        }
    }
}
