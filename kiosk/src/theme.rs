//! Colours and widget styles for the kiosk. Views refer to these
//! functions instead of styling inline.

use iced::widget::{button, container, text};
use iced::{Background, Border, Color, Theme, border, theme::Palette};

/// Dark, high-contrast background.
pub const BACKGROUND: Color = Color::from_rgb8(0x16, 0x16, 0x1a);
/// Primary text colour.
pub const TEXT: Color = Color::from_rgb8(0xf2, 0xf0, 0xeb);
/// Secondary, muted text colour.
pub const TEXT_MUTED: Color = Color::from_rgb8(0xb4, 0xb0, 0xa8);
/// Accent used for the title and the primary button.
pub const ACCENT: Color = Color::from_rgb8(0xc9, 0x4f, 0x3d);
/// Accent while hovered.
pub const ACCENT_HOVER: Color = Color::from_rgb8(0xd9, 0x63, 0x50);
/// Accent while pressed.
pub const ACCENT_PRESSED: Color = Color::from_rgb8(0xa8, 0x3f, 0x30);
/// Status / informational colour.
pub const STATUS: Color = Color::from_rgb8(0xe8, 0xc1, 0x5a);
/// Disabled controls.
pub const DISABLED: Color = Color::from_rgb8(0x4a, 0x48, 0x50);

pub const TITLE_SIZE: f32 = 96.0;
pub const BODY_SIZE: f32 = 32.0;
pub const BUTTON_TEXT_SIZE: f32 = 28.0;
pub const STATUS_SIZE: f32 = 24.0;

const RADIUS: f32 = 12.0;

/// The application theme.
pub fn app() -> Theme {
    Theme::custom(
        "Intake",
        Palette {
            background: BACKGROUND,
            text: TEXT,
            primary: ACCENT,
            success: Color::from_rgb8(0x4c, 0xaf, 0x7a),
            warning: STATUS,
            danger: Color::from_rgb8(0xe0, 0x4a, 0x4a),
        },
    )
}

pub fn background(_theme: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(BACKGROUND)),
        text_color: Some(TEXT),
        ..container::Style::default()
    }
}

pub fn title_text(_theme: &Theme) -> text::Style {
    text::Style {
        color: Some(ACCENT),
    }
}

pub fn body_text(_theme: &Theme) -> text::Style {
    text::Style { color: Some(TEXT) }
}

pub fn status_text(_theme: &Theme) -> text::Style {
    text::Style {
        color: Some(STATUS),
    }
}

pub fn staff_button(_theme: &Theme, status: button::Status) -> button::Style {
    let (background, text_color) = match status {
        button::Status::Active => (ACCENT, TEXT),
        button::Status::Hovered => (ACCENT_HOVER, TEXT),
        button::Status::Pressed => (ACCENT_PRESSED, TEXT),
        button::Status::Disabled => (DISABLED, TEXT_MUTED),
    };

    button::Style {
        background: Some(Background::Color(background)),
        text_color,
        border: Border {
            color: TEXT_MUTED,
            width: 0.0,
            ..border::rounded(RADIUS)
        },
        ..button::Style::default()
    }
}
