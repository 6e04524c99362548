//! `intake-kiosk`: the fullscreen touchscreen front end of Intake.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Parser;
use iced::{Size, window};
use intake_common::Db;
use intake_common::settings::Settings;
use intake_kiosk::{Kiosk, Options, Station};
use tracing_subscriber::EnvFilter;

/// Intake's self check-in kiosk: customers register and sign the release here.
///
/// In kiosk mode (the default) the window is fullscreen and Escape, Alt+F4 and close
/// requests are ignored; staff leave through the hidden corner (five taps at the top left of
/// the welcome screen) and a staff PIN.
#[derive(Debug, Parser)]
#[command(name = "intake-kiosk", version)]
struct Cli {
    /// Open a normal 1024x768 window that closes like one (development).
    #[arg(long)]
    windowed: bool,

    /// Where the database and its key live [default: the platform's data directory].
    #[arg(long, env = "INTAKE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// A directory with shop.toml, release-template.toml, health-questions.toml and the
    /// logo; a file missing there falls back to the shipped default.
    #[arg(long, env = "INTAKE_SETTINGS_DIR", value_name = "DIR")]
    settings: Option<PathBuf>,

    /// This device's name, recorded on every release [default: the host name].
    #[arg(long, env = "INTAKE_DEVICE", value_name = "NAME")]
    device: Option<String>,

    /// Print the time from start to the first frame, then exit (start-up benchmark).
    #[arg(long, hide = true)]
    exit_after_first_frame: bool,

    /// Root certificates (PEM) the shop's customers' phones trust besides the public
    /// authorities, for the check behind the Web Sign QR code: a private authority on
    /// managed devices. The code shows only while a phone would open `web_sign_url`.
    #[arg(long, env = "INTAKE_PHONE_ROOTS", value_name = "PEM")]
    phone_roots: Option<PathBuf>,

    /// The staff counter display (today's check-ins, search, the Safety Panel) instead of
    /// the customer kiosk.
    #[arg(long)]
    counter: bool,
}

/// Size of the window opened with `--windowed`.
const WINDOWED_SIZE: Size = Size::new(1024.0, 768.0);

fn window_settings(windowed: bool) -> window::Settings {
    if windowed {
        window::Settings {
            size: WINDOWED_SIZE,
            ..window::Settings::default()
        }
    } else {
        window::Settings {
            fullscreen: true,
            decorations: false,
            ..window::Settings::default()
        }
    }
}

fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "kiosk".to_owned())
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let data_dir = match cli.data_dir {
        Some(dir) => dir,
        None => directories::ProjectDirs::from("", "", "intake")
            .context("no home directory: pass --data-dir")?
            .data_dir()
            .to_path_buf(),
    };
    let settings = Settings::load(cli.settings.as_deref())?;
    let mut db = Db::open_dir(&data_dir)
        .with_context(|| format!("opening the database in {}", data_dir.display()))?;
    if cli.counter {
        intake_common::phone_keys::align(&mut db, settings.shop.region, "intake-kiosk")?;
        return run_counter(
            db,
            cli.device.unwrap_or_else(device_name),
            &settings,
            cli.windowed,
        );
    }
    let options = Options {
        windowed: cli.windowed,
        device: cli.device.unwrap_or_else(device_name),
        exit_after_first_frame: cli.exit_after_first_frame.then_some(started),
        today: None,
        phone_roots: match &cli.phone_roots {
            Some(path) => intake_common::phone_trust::Roots::with_extra(path)?,
            None => Default::default(),
        },
    };
    tracing::info!(windowed = options.windowed, device = %options.device, data = %data_dir.display(), "starting Intake kiosk");
    let kiosk = Station::new(Kiosk::new(db, settings, options)?);
    let windowed = cli.windowed;

    // iced asks for a boot function it may call more than once; the kiosk (and its open
    // database) exists once.
    let slot = std::sync::Mutex::new(Some(kiosk));
    iced::application(
        move || {
            slot.lock()
                .ok()
                .and_then(|mut k| k.take())
                .expect("the kiosk boots once")
        },
        Station::update,
        Station::view,
    )
    .title("Intake")
    // The bundled font, so every appliance (and every test snapshot) draws the same text.
    .default_font(iced::Font::with_name("Fira Sans"))
    .theme(Station::theme)
    .subscription(Station::subscription)
    .window(window_settings(windowed))
    .exit_on_close_request(false)
    .run()?;

    tracing::info!("kiosk closed");
    Ok(())
}

/// The counter display: a window of its own (staff may close it; it is not a kiosk).
fn run_counter(db: Db, device: String, settings: &Settings, windowed: bool) -> anyhow::Result<()> {
    tracing::info!(%device, "starting the Intake counter display");
    let slot = std::sync::Mutex::new(Some(intake_kiosk::Counter::with_settings(
        db, device, settings,
    )));
    iced::application(
        move || {
            slot.lock()
                .ok()
                .and_then(|mut c| c.take())
                .expect("the counter boots once")
        },
        intake_kiosk::Counter::update,
        intake_kiosk::Counter::view,
    )
    .title("Intake counter")
    .default_font(iced::Font::with_name("Fira Sans"))
    .theme(|_: &intake_kiosk::Counter| intake_kiosk::theme::studio())
    .subscription(intake_kiosk::Counter::subscription)
    .window(window_settings(windowed))
    .run()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kiosk_mode_is_fullscreen_and_windowed_is_not() {
        let cli = Cli::try_parse_from(["intake-kiosk"]).unwrap();
        assert!(!cli.windowed);
        let settings = window_settings(false);
        assert!(settings.fullscreen && !settings.decorations);
        let cli = Cli::try_parse_from(["intake-kiosk", "--windowed", "--device", "lobby"]).unwrap();
        assert!(cli.windowed);
        assert_eq!(cli.device.as_deref(), Some("lobby"));
        assert_eq!(window_settings(true).size, WINDOWED_SIZE);
        assert!(Cli::try_parse_from(["intake-kiosk", "--bogus"]).is_err());
    }
}
