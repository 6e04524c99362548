//! What runs in the kiosk's window: the customer kiosk, and the counter display when staff
//! open it from the staff menu. Leaving the counter (its button, signing out, or five
//! quiet minutes) drops it whole and returns to the customer welcome screen.

use iced::{Element, Subscription, Task};
use intake_common::{Db, Permission};

use crate::counter::{self, Counter};
use crate::{Kiosk, app};

#[derive(Debug, Clone)]
pub enum Message {
    Kiosk(app::Message),
    Counter(counter::Message),
}

#[derive(Debug)]
pub struct Station {
    pub kiosk: Kiosk,
    /// Open over the kiosk: its own connection to the same database.
    pub counter: Option<Box<Counter>>,
}

/// Whether the staff member at the kiosk's menu may use the counter display: checked by
/// this kiosk itself (an exit code or a store's answer names no one who may read
/// customers here).
pub fn may_open_counter(kiosk: &Kiosk) -> bool {
    kiosk
        .staff_actor
        .as_ref()
        .is_some_and(|a| a.may(Permission::ReadCustomer))
}

impl Station {
    pub fn new(kiosk: Kiosk) -> Self {
        Self {
            kiosk,
            counter: None,
        }
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Kiosk(app::Message::OpenCounter) => {
                self.open_counter();
                Task::none()
            }
            Message::Kiosk(m) => self.kiosk.update(m).map(Message::Kiosk),
            Message::Counter(counter::Message::Close) => {
                self.close_counter();
                Task::none()
            }
            Message::Counter(m) => {
                if let Some(c) = &mut self.counter {
                    c.update(m);
                    if c.signed_in().is_none() {
                        self.close_counter();
                    }
                }
                Task::none()
            }
        }
    }

    fn open_counter(&mut self) {
        let Some(actor) = self
            .kiosk
            .staff_actor
            .clone()
            .filter(|_| may_open_counter(&self.kiosk))
        else {
            return;
        };
        let Some(dir) = self
            .kiosk
            .db()
            .path()
            .and_then(std::path::Path::parent)
            .map(ToOwned::to_owned)
        else {
            return;
        };
        let db = match Db::open_dir(&dir) {
            Ok(db) => db,
            Err(e) => {
                tracing::error!(error = %e, "cannot open the counter display");
                return;
            }
        };
        let mut counter =
            Counter::with_settings(db, self.kiosk.options.device.clone(), &self.kiosk.settings)
                .opened_from_kiosk();
        counter.sign_in_as(actor);
        tracing::info!("counter display opened from the kiosk's staff menu");
        // The kiosk keeps nothing of the staff member or any customer meanwhile.
        self.kiosk.wipe();
        self.counter = Some(Box::new(counter));
    }

    fn close_counter(&mut self) {
        // Dropping the counter signs out and deletes the release PDFs it wrote.
        self.counter = None;
        self.kiosk.wipe();
        tracing::info!("counter display closed: back to the welcome screen");
    }

    pub fn view(&self) -> Element<'_, Message> {
        match &self.counter {
            Some(c) => c.view().map(Message::Counter),
            None => self.kiosk.view().map(Message::Kiosk),
        }
    }

    pub fn subscription(&self) -> Subscription<Message> {
        // Under the counter, the kiosk keeps its clock (its idle wipe) but not the keys.
        let kiosk = self
            .kiosk
            .subscription_with_keys(self.counter.is_none())
            .map(Message::Kiosk);
        match &self.counter {
            Some(c) => Subscription::batch([kiosk, c.subscription().map(Message::Counter)]),
            None => kiosk,
        }
    }

    pub fn theme(&self) -> iced::Theme {
        match &self.counter {
            Some(_) => crate::theme::studio(),
            None => self.kiosk.theme(),
        }
    }
}
