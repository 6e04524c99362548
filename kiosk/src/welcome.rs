//! The welcome screen shown while nobody is using the kiosk.

use iced::widget::{button, center, column, container, text};
use iced::{Center, Element, Fill};

use crate::theme;

/// The name shown as the screen's title.
pub const SHOP_NAME: &str = "Intake";

/// The line shown under the title until self-registration exists.
pub const WELCOME_LINE: &str = "Welcome — please check in at the counter for now";

/// Status shown after the Staff button is pressed.
pub const STAFF_UNAVAILABLE: &str = "Staff sign-in is not available yet";

/// Minimum height of touch targets, in logical pixels.
pub const TOUCH_TARGET_HEIGHT: f32 = 64.0;

/// State of the welcome screen.
#[derive(Debug, Default)]
pub struct Welcome {
    status: Option<String>,
}

/// Messages produced by the welcome screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The "Staff" button was pressed.
    StaffPressed,
}

impl Welcome {
    pub fn new() -> Self {
        Self::default()
    }

    /// The current status line, if any.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    pub fn update(&mut self, message: Message) {
        match message {
            Message::StaffPressed => {
                tracing::info!("staff button pressed; staff sign-in not implemented");
                self.status = Some(STAFF_UNAVAILABLE.to_owned());
            }
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let title = text(SHOP_NAME)
            .size(theme::TITLE_SIZE)
            .style(theme::title_text);

        let welcome = text(WELCOME_LINE)
            .size(theme::BODY_SIZE)
            .style(theme::body_text)
            .center();

        let staff = button(
            text("Staff")
                .size(theme::BUTTON_TEXT_SIZE)
                .center()
                .width(Fill)
                .height(Fill),
        )
        .width(200)
        .height(TOUCH_TARGET_HEIGHT)
        .padding([8, 24])
        .style(theme::staff_button)
        .on_press(Message::StaffPressed);

        let status = text(self.status().unwrap_or_default())
            .size(theme::STATUS_SIZE)
            .style(theme::status_text);

        let content = column![title, welcome, staff, status]
            .spacing(32)
            .padding(32)
            .align_x(Center);

        container(center(content))
            .width(Fill)
            .height(Fill)
            .style(theme::background)
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_without_status() {
        assert_eq!(Welcome::new().status(), None);
    }

    #[test]
    fn staff_button_sets_status() {
        let mut welcome = Welcome::new();
        welcome.update(Message::StaffPressed);
        assert_eq!(welcome.status(), Some("Staff sign-in is not available yet"));
    }
}
