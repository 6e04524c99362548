//! The kiosk's two themes — the studio's warm dark one and a high-contrast one — and the
//! styles views use. Styles read colours from the theme, so every screen works in both.

use iced::widget::{button, checkbox as check, container, text};
use iced::{Background, Border, Color, Shadow, Theme, border, theme::Palette};

pub const TITLE_SIZE: f32 = 56.0;
pub const HEADING_SIZE: f32 = 40.0;
pub const BODY_SIZE: f32 = 28.0;
pub const LABEL_SIZE: f32 = 22.0;
/// Helper and step text: the smallest text a customer reads.
pub const SMALL_SIZE: f32 = 22.0;
/// The characters on the on-screen keyboard's keys.
pub const KEY_SIZE: f32 = 28.0;
/// Smallest touch target, in logical pixels.
pub const TOUCH: f32 = 64.0;
pub const RADIUS: f32 = 12.0;

pub fn studio() -> Theme {
    Theme::custom(
        "Intake",
        Palette {
            background: Color::from_rgb8(0x16, 0x16, 0x1a),
            text: Color::from_rgb8(0xf2, 0xf0, 0xeb),
            primary: Color::from_rgb8(0xc9, 0x4f, 0x3d),
            success: Color::from_rgb8(0x4c, 0xaf, 0x7a),
            warning: Color::from_rgb8(0xe8, 0xc1, 0x5a),
            danger: Color::from_rgb8(0xff, 0x6b, 0x6b),
        },
    )
}

/// Black, white and pure yellow: WCAG AAA contrast for every pair used.
pub fn high_contrast() -> Theme {
    Theme::custom(
        "Intake high contrast",
        Palette {
            background: Color::BLACK,
            text: Color::WHITE,
            primary: Color::from_rgb8(0xff, 0xe0, 0x00),
            success: Color::from_rgb8(0x00, 0xff, 0x80),
            warning: Color::from_rgb8(0xff, 0xe0, 0x00),
            danger: Color::from_rgb8(0xff, 0x80, 0x80),
        },
    )
}

fn is_high_contrast(theme: &Theme) -> bool {
    theme.palette().background == Color::BLACK
}

pub fn page(theme: &Theme) -> container::Style {
    let p = theme.palette();
    container::Style {
        background: Some(Background::Color(p.background)),
        text_color: Some(p.text),
        ..container::Style::default()
    }
}

/// A raised panel: the keyboard, the idle warning, cards.
pub fn panel(theme: &Theme) -> container::Style {
    let e = theme.extended_palette();
    container::Style {
        background: Some(Background::Color(e.background.weak.color)),
        text_color: Some(e.background.weak.text),
        border: Border {
            color: if is_high_contrast(theme) {
                Color::WHITE
            } else {
                e.background.strong.color
            },
            width: if is_high_contrast(theme) { 2.0 } else { 1.0 },
            ..border::rounded(RADIUS)
        },
        shadow: Shadow::default(),
        ..container::Style::default()
    }
}

/// Hides what is behind a modal: a form left open is personal data, and the next person
/// at the kiosk must not read it behind "Are you still there?".
pub fn scrim(theme: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(theme.palette().background)),
        ..container::Style::default()
    }
}

/// A checkbox whose box shows on both themes: a light border on the dark one, white and
/// thick on high contrast, filled with the primary colour when ticked.
pub fn checkbox(theme: &Theme, status: check::Status) -> check::Style {
    let mut style = check::primary(theme, status);
    let ticked = match status {
        check::Status::Active { is_checked }
        | check::Status::Hovered { is_checked }
        | check::Status::Disabled { is_checked } => is_checked,
    };
    if is_high_contrast(theme) {
        style.border = Border {
            color: Color::WHITE,
            width: 3.0,
            radius: 6.0.into(),
        };
        if !ticked {
            style.background = Background::Color(Color::BLACK);
        }
    } else {
        style.border.width = 2.0;
        if !ticked {
            style.border.color = theme.palette().text;
        }
    }
    style
}

/// A typing field: outlined, brighter when it has the keyboard, red when it has a problem.
pub fn field(focused: bool, problem: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |theme, _status| {
        let e = theme.extended_palette();
        let p = theme.palette();
        let color = if problem {
            p.danger
        } else if focused {
            p.primary
        } else if is_high_contrast(theme) {
            Color::WHITE
        } else {
            e.background.strong.color
        };
        button::Style {
            background: Some(Background::Color(e.background.base.color)),
            text_color: p.text,
            border: Border {
                color,
                width: if focused || problem || is_high_contrast(theme) {
                    3.0
                } else {
                    2.0
                },
                ..border::rounded(RADIUS)
            },
            ..button::Style::default()
        }
    }
}

/// A button that cannot be pressed now: greyed, flat, the same whatever the pointer does.
pub fn disabled(theme: &Theme) -> button::Style {
    let e = theme.extended_palette();
    button::Style {
        background: Some(Background::Color(e.background.weak.color)),
        text_color: Color {
            a: 0.45,
            ..theme.palette().text
        },
        border: Border {
            color: Color {
                a: 0.3,
                ..e.background.strong.color
            },
            width: 1.0,
            ..border::rounded(RADIUS)
        },
        ..button::Style::default()
    }
}

/// A choice that is on (a "Yes" that was picked, a tick that is set).
pub fn choice(selected: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |theme, status| {
        if status == button::Status::Disabled {
            return disabled(theme);
        }
        if selected {
            primary(theme, status)
        } else {
            let mut style = button::secondary(theme, status);
            if is_high_contrast(theme) {
                style.background = Some(Background::Color(Color::BLACK));
                style.text_color = Color::WHITE;
                style.border = Border {
                    color: Color::WHITE,
                    width: 2.0,
                    ..border::rounded(RADIUS)
                };
            }
            style.border.radius = RADIUS.into();
            style
        }
    }
}

pub fn primary(theme: &Theme, status: button::Status) -> button::Style {
    if status == button::Status::Disabled {
        return disabled(theme);
    }
    let mut style = button::primary(theme, status);
    style.border.radius = RADIUS.into();
    if status != button::Status::Disabled {
        style.text_color = if is_high_contrast(theme) {
            Color::BLACK
        } else {
            Color::WHITE
        };
    }
    style
}

pub fn secondary(theme: &Theme, status: button::Status) -> button::Style {
    choice(false)(theme, status)
}

/// A key of the on-screen keyboard.
pub fn key(theme: &Theme, status: button::Status) -> button::Style {
    if status == button::Status::Disabled {
        return disabled(theme);
    }
    let e = theme.extended_palette();
    let background = match status {
        button::Status::Pressed => e.primary.base.color,
        button::Status::Hovered => e.background.strong.color,
        _ => e.background.base.color,
    };
    button::Style {
        background: Some(Background::Color(background)),
        text_color: theme.palette().text,
        border: Border {
            color: if is_high_contrast(theme) {
                Color::WHITE
            } else {
                e.background.strong.color
            },
            width: 1.0,
            ..border::rounded(8.0)
        },
        ..button::Style::default()
    }
}

/// An invisible button (the staff corner).
pub fn invisible(_theme: &Theme, _status: button::Status) -> button::Style {
    button::Style::default()
}

pub fn muted(theme: &Theme) -> text::Style {
    let p = theme.palette();
    text::Style {
        color: Some(if is_high_contrast(theme) {
            Color::from_rgb8(0xd0, 0xd0, 0xd0)
        } else {
            Color { a: 0.75, ..p.text }
        }),
    }
}

pub fn accent(theme: &Theme) -> text::Style {
    text::Style {
        color: Some(theme.palette().primary),
    }
}

pub fn error(theme: &Theme) -> text::Style {
    text::Style {
        color: Some(theme.palette().danger),
    }
}

/// Text that keeps its place without showing (a message already dealt with).
pub fn invisible_text(_theme: &Theme) -> text::Style {
    text::Style {
        color: Some(Color::TRANSPARENT),
    }
}

pub fn warning(theme: &Theme) -> text::Style {
    text::Style {
        color: Some(theme.palette().warning),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_button_looks_disabled_and_does_not_answer_the_pointer() {
        for theme in [studio(), high_contrast()] {
            let off = disabled(&theme);
            assert!(off.text_color.a < 0.5, "greyed text");
            for style in [primary, secondary, key] {
                assert_eq!(style(&theme, button::Status::Disabled), off);
                assert_ne!(style(&theme, button::Status::Active), off);
            }
        }
    }
}
