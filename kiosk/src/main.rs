//! `intake-kiosk`: the fullscreen touchscreen front end of Intake.
//!
//! For now it only shows a welcome screen; the self-registration flow
//! comes later.

mod theme;
mod welcome;

use iced::{Element, Size, window};
use tracing_subscriber::EnvFilter;

use crate::welcome::Welcome;

const USAGE: &str = "\
Usage: intake-kiosk [OPTIONS]

Intake's self check-in kiosk.

Options:
      --windowed  Open a normal 1024x768 decorated window instead of fullscreen
  -h, --help      Print this help and exit

Logging is controlled with RUST_LOG (default: info).";

/// Size of the window opened with `--windowed`.
const WINDOWED_SIZE: Size = Size::new(1024.0, 768.0);

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    /// Run the kiosk.
    Run { windowed: bool },
    /// Print usage and exit successfully.
    Help,
}

/// Parses the arguments that follow the program name.
///
/// Returns the offending argument on error.
fn parse_args<I>(args: I) -> Result<Command, String>
where
    I: IntoIterator<Item = String>,
{
    let mut windowed = false;

    for arg in args {
        match arg.as_str() {
            "--windowed" => windowed = true,
            "-h" | "--help" => return Ok(Command::Help),
            _ => return Err(arg),
        }
    }

    Ok(Command::Run { windowed })
}

fn window_settings(windowed: bool) -> window::Settings {
    if windowed {
        window::Settings {
            size: WINDOWED_SIZE,
            fullscreen: false,
            decorations: true,
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

fn main() -> anyhow::Result<()> {
    let windowed = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run { windowed }) => windowed,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return Ok(());
        }
        Err(arg) => {
            eprintln!("intake-kiosk: unknown argument '{arg}'");
            eprintln!("Try 'intake-kiosk --help' for usage.");
            std::process::exit(2);
        }
    };

    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    tracing::info!(windowed, "starting Intake kiosk");

    iced::application(boot, update, view)
        .title("Intake")
        .theme(theme::app())
        .window(window_settings(windowed))
        .run()?;

    tracing::info!("kiosk closed");
    Ok(())
}

fn boot() -> Welcome {
    Welcome::new()
}

fn update(state: &mut Welcome, message: welcome::Message) {
    state.update(message);
}

fn view(state: &Welcome) -> Element<'_, welcome::Message> {
    state.view()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn no_arguments_means_fullscreen() {
        assert_eq!(parse(&[]), Ok(Command::Run { windowed: false }));
        let settings = window_settings(false);
        assert!(settings.fullscreen);
        assert!(!settings.decorations);
    }

    #[test]
    fn windowed_flag_opens_decorated_window() {
        assert_eq!(parse(&["--windowed"]), Ok(Command::Run { windowed: true }));
        let settings = window_settings(true);
        assert!(!settings.fullscreen);
        assert!(settings.decorations);
        assert_eq!(settings.size, WINDOWED_SIZE);
    }

    #[test]
    fn help_wins() {
        assert_eq!(parse(&["--windowed", "--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
    }

    #[test]
    fn unknown_flag_is_reported() {
        assert_eq!(parse(&["--bogus"]), Err("--bogus".to_owned()));
        assert_eq!(parse(&["--windowed", "extra"]), Err("extra".to_owned()));
    }
}
