//! The shop's settings in force, replaceable while the store runs: the console's Settings
//! page saves a file and puts the new settings here, and the console and Web Sign read
//! them on their next request, without a restart.

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
    current: Arc<RwLock<Arc<Current>>>,
    /// Where the settings files live: `--settings DIR`, else `DATA_DIR/settings`.
    pub dir: PathBuf,
}

impl Live {
    pub fn new(current: Current, dir: PathBuf) -> Self {
        Self {
            current: Arc::new(RwLock::new(Arc::new(current))),
            dir,
        }
    }

    /// The settings in force now.
    pub fn get(&self) -> Arc<Current> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Puts `current` in force for every request after this one.
    pub fn set(&self, current: Current) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(current);
    }
}
