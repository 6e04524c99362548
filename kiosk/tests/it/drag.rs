//! Drag to scroll, with the mouse and with a finger: the form follows the pointer, a short
//! tap still presses the button under it, a drag that starts on a button does not, and a
//! stroke on the signature pad draws without moving the page.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use iced::advanced::widget::Id;
use iced::{Event, Point, Rectangle, Vector, mouse, touch};
use iced_test::selector::Candidate;
use iced_test::simulator::Simulator;
use intake_kiosk::app::FORM_SCROLL;
use intake_kiosk::drag::THRESHOLD;
use intake_kiosk::pad::{PadEvent, PadId};
use intake_kiosk::screen::{health, signature};
use intake_kiosk::{Message, Screen, Step};

use super::flow::harness::Harness;
use super::flow::paths::new_adult_to_health;

#[derive(Debug, Clone, Copy)]
enum By {
    Mouse,
    Finger,
}

/// Presses at `from`, moves to `to` in a few steps and lets go there. The pointer follows,
/// as it does for a finger on a real window.
fn drag(ui: &mut Simulator<'_, Message>, by: By, from: Point, to: Point) {
    let finger = touch::Finger(7);
    let at = |position| match by {
        By::Mouse => Event::Mouse(mouse::Event::CursorMoved { position }),
        By::Finger => Event::Touch(touch::Event::FingerMoved {
            id: finger,
            position,
        }),
    };
    ui.point_at(from);
    let _ = ui.simulate([match by {
        By::Mouse => Event::Mouse(mouse::Event::ButtonPressed(mouse::Button::Left)),
        By::Finger => Event::Touch(touch::Event::FingerPressed {
            id: finger,
            position: from,
        }),
    }]);
    let steps = 6;
    for i in 1..=steps {
        let position = from + (to - from) * (i as f32 / steps as f32);
        ui.point_at(position);
        let _ = ui.simulate([at(position)]);
    }
    let _ = ui.simulate([match by {
        By::Mouse => Event::Mouse(mouse::Event::ButtonReleased(mouse::Button::Left)),
        By::Finger => Event::Touch(touch::Event::FingerLifted {
            id: finger,
            position: to,
        }),
    }]);
}

/// The form's scrollable area: its bounds and how far it is scrolled.
fn form(ui: &mut Simulator<'_, Message>) -> (Rectangle, Vector) {
    let form = Id::new(FORM_SCROLL);
    ui.find(move |c: Candidate<'_>| match c {
        Candidate::Scrollable {
            id: Some(id),
            bounds,
            translation,
            ..
        } if *id == form => Some((bounds, translation)),
        _ => None,
    })
    .unwrap()
}

/// Every text on screen, with where it is shown (`None`: scrolled out of sight).
fn texts(ui: &mut Simulator<'_, Message>) -> Vec<(String, Rectangle, Option<Rectangle>)> {
    let mut all = Vec::new();
    let _ = ui.find(|c: Candidate<'_>| {
        if let Candidate::Text {
            content,
            bounds,
            visible_bounds,
            ..
        } = c
        {
            all.push((content.to_owned(), bounds, visible_bounds));
        }
        None::<()>
    });
    all
}

/// The centre of the lowest `label` shown inside the form.
fn lowest(ui: &mut Simulator<'_, Message>, label: &str) -> Point {
    let (form, _) = form(ui);
    texts(ui)
        .into_iter()
        .filter_map(|(content, _, visible)| visible.filter(|_| content == label))
        .map(|v| v.center())
        .filter(|c| form.contains(*c))
        .max_by(|a, b| a.y.total_cmp(&b.y))
        .unwrap_or_else(|| panic!("no {label:?} in the form"))
}

fn on_health() -> Harness {
    let mut h = Harness::new();
    new_adult_to_health(&mut h);
    h
}

/// Drags the health questions up by 300 px from the lowest "Yes" shown, and checks that the
/// form followed, that something below the fold came into view, and that no answer was
/// given on the way.
fn drag_up_the_health_questions(by: By) {
    let h = on_health();
    let mut ui = h.ui();
    let hidden: Vec<String> = texts(&mut ui)
        .into_iter()
        .filter(|(_, _, visible)| visible.is_none())
        .map(|(content, ..)| content)
        .collect();
    assert!(!hidden.is_empty(), "the questions go below the fold");
    let from = lowest(&mut ui, "Yes");
    drag(&mut ui, by, from, from - Vector::new(0.0, 300.0));
    let (_, scrolled) = form(&mut ui);
    assert_eq!(scrolled.y, 300.0, "the form follows the pointer");
    let now_shown = texts(&mut ui)
        .into_iter()
        .filter(|(content, _, visible)| visible.is_some() && hidden.contains(content))
        .count();
    assert!(now_shown > 0, "nothing below the fold came into view");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        messages.is_empty(),
        "a drag that starts on Yes does not answer: {messages:?}"
    );
}

#[test]
fn a_mouse_drag_from_a_button_scrolls_the_form_without_pressing_it() {
    drag_up_the_health_questions(By::Mouse);
}

#[test]
fn a_finger_drag_from_a_button_scrolls_the_form_without_pressing_it() {
    drag_up_the_health_questions(By::Finger);
}

#[test]
fn a_tap_that_wobbles_less_than_the_threshold_still_presses_the_button() {
    let h = on_health();
    for by in [By::Mouse, By::Finger] {
        let mut ui = h.ui();
        let yes = lowest(&mut ui, "Yes");
        let wobble = Vector::new(3.0, THRESHOLD - 2.0);
        drag(&mut ui, by, yes, yes + wobble);
        let (_, scrolled) = form(&mut ui);
        assert_eq!(scrolled.y, 0.0, "{by:?}: a tap does not scroll");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(
            matches!(
                messages.as_slice(),
                [Message::Health(health::Message::Answer(_, true))]
            ),
            "{by:?}: the tap answers Yes: {messages:?}"
        );
        // The same press moved past the threshold scrolls instead, and answers nothing.
        let mut ui = h.ui();
        drag(&mut ui, by, yes, yes - Vector::new(0.0, THRESHOLD + 8.0));
        let (_, scrolled) = form(&mut ui);
        assert_eq!(scrolled.y, THRESHOLD + 8.0, "{by:?}: past the threshold");
        assert_eq!(ui.into_messages().count(), 0, "{by:?}");
    }
}

#[test]
fn a_stroke_on_the_signature_pad_draws_and_does_not_scroll_the_page() {
    let mut h = on_health();
    h.tap("None of these apply to me");
    assert_eq!(h.kiosk.screen, Screen::Step(Step::Release));
    let sign_here = h
        .kiosk
        .words()
        .get(intake_kiosk::i18n::Msg::SignHere)
        .into_owned();
    for by in [By::Mouse, By::Finger] {
        let mut ui = h.ui();
        // To the foot of the release, where the pad is.
        let (bounds, _) = form(&mut ui);
        ui.point_at(bounds.center());
        let _ = ui.simulate([Event::Mouse(mouse::Event::WheelScrolled {
            delta: mouse::ScrollDelta::Pixels {
                x: 0.0,
                y: -10_000.0,
            },
        })]);
        let (_, bottom) = form(&mut ui);
        assert!(bottom.y > 0.0, "the release goes below the fold");
        let label = lowest(&mut ui, &sign_here);
        // The pad lies under its label and the Clear button beside it.
        let on_pad = Point::new(bounds.center_x(), label.y + 140.0);
        assert!(bounds.contains(on_pad + Vector::new(0.0, 100.0)));
        drag(&mut ui, by, on_pad, on_pad + Vector::new(0.0, 100.0));
        let (_, after) = form(&mut ui);
        assert_eq!(after, bottom, "{by:?}: a stroke does not scroll");
        // Beside the pad, on its label, the same gesture scrolls the page back.
        drag(&mut ui, by, label, label + Vector::new(0.0, 100.0));
        let (_, beside) = form(&mut ui);
        assert_eq!(
            beside.y,
            bottom.y - 100.0,
            "{by:?}: beside the pad it scrolls"
        );
        let messages: Vec<Message> = ui.into_messages().collect();
        let ink = |m: &Message| match m {
            Message::Sign(signature::Message::Pad(PadId::Customer, e)) => Some(*e),
            _ => None,
        };
        let strokes: Vec<PadEvent> = messages.iter().filter_map(ink).collect();
        assert!(
            matches!(strokes.first(), Some(PadEvent::Begin { .. }))
                && matches!(strokes.last(), Some(PadEvent::End))
                && strokes.len() >= 4,
            "{by:?}: the stroke is drawn: {strokes:?}"
        );
        assert_eq!(strokes.len(), messages.len(), "{by:?}: nothing else");
        for m in messages {
            h.send(m);
        }
    }
    assert_eq!(h.kiosk.form.customer_pad.strokes.len(), 2);
}
