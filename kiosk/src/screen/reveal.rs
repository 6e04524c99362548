//! Bringing something into view: the field that has the keyboard, or the first answer that
//! needs another look. The form's scrollable is moved so the widget's top sits a little
//! below the top of the visible area, measured on the laid-out screen (not guessed from
//! its position in a list, which is wrong as soon as cards differ in height).

use iced::Task;
use iced::advanced::widget::operation::{Operation, Outcome, scrollable};
use iced::advanced::widget::{self, Id};
use iced::{Rectangle, Vector};

use crate::app::FORM_SCROLL;
use crate::form::{Input, Spot};
use crate::pad::PadId;

/// What to bring into view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The top of the screen (a new step).
    Top,
    Input(Input),
    Spot(Spot),
}

/// Space left above the widget, so its label shows too.
const MARGIN: f32 = 24.0;

/// The widget id a target's container carries.
pub fn id(target: Target) -> Id {
    let name = match target {
        Target::Top => "top".to_owned(),
        Target::Input(input) => format!("input-{input:?}"),
        Target::Spot(Spot::Input(input)) => format!("input-{input:?}"),
        Target::Spot(Spot::Question(i)) => format!("question-{i}"),
        Target::Spot(Spot::Clause(i)) => format!("clause-{i}"),
        Target::Spot(Spot::CustomerPad) => format!("pad-{:?}", PadId::Customer),
        Target::Spot(Spot::GuardianPad) => format!("pad-{:?}", PadId::Guardian),
    };
    Id::from(name)
}

/// The task that scrolls `target` into view.
pub fn task<M: Send + 'static>(target: Target) -> Task<M> {
    match target {
        Target::Top => iced::widget::operation::snap_to(
            FORM_SCROLL,
            iced::widget::operation::RelativeOffset { x: 0.0, y: 0.0 },
        ),
        target => iced::advanced::widget::operate(Reveal {
            target: id(target),
            viewport: None,
            found: None,
        }),
    }
}

/// Finds the form's viewport and the target's bounds, then scrolls the form when the
/// target is not wholly in view.
struct Reveal {
    target: Id,
    /// The scrollable's bounds, its content's bounds and its current translation.
    viewport: Option<(Rectangle, Rectangle, Vector)>,
    found: Option<Rectangle>,
}

impl<T: 'static> Operation<T> for Reveal {
    fn traverse(&mut self, operate: &mut dyn FnMut(&mut dyn Operation<T>)) {
        operate(self);
    }

    fn container(&mut self, id: Option<&Id>, bounds: Rectangle) {
        if self.found.is_none() && id == Some(&self.target) {
            self.found = Some(bounds);
        }
    }

    fn scrollable(
        &mut self,
        id: Option<&Id>,
        bounds: Rectangle,
        content_bounds: Rectangle,
        translation: Vector,
        _state: &mut dyn widget::operation::Scrollable,
    ) {
        if id == Some(&Id::from(FORM_SCROLL)) {
            self.viewport = Some((bounds, content_bounds, translation));
        }
    }

    fn finish(&self) -> Outcome<T> {
        let (Some((viewport, content, translation)), Some(target)) = (self.viewport, self.found)
        else {
            return Outcome::None;
        };
        match offset(viewport, content, translation.y, target) {
            Some(y) => Outcome::Chain(Box::new(scrollable::scroll_to(
                Id::from(FORM_SCROLL),
                scrollable::AbsoluteOffset {
                    x: None,
                    y: Some(y),
                },
            ))),
            None => Outcome::None,
        }
    }
}

/// The scroll offset that shows `target` (laid out in content coordinates), or `None` when
/// it is already wholly visible with the form scrolled by `scrolled`.
pub fn offset(
    viewport: Rectangle,
    content: Rectangle,
    scrolled: f32,
    target: Rectangle,
) -> Option<f32> {
    let top = target.y - content.y;
    let bottom = scrolled + viewport.height;
    let fits = target.height + MARGIN <= viewport.height;
    let bottom_shows = if fits {
        top + target.height <= bottom
    } else {
        top < bottom
    };
    if top >= scrolled && bottom_shows {
        return None;
    }
    let max = (content.height - viewport.height).max(0.0);
    Some((top - MARGIN).clamp(0.0, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(y: f32, height: f32) -> Rectangle {
        Rectangle {
            x: 0.0,
            y,
            width: 100.0,
            height,
        }
    }

    #[test]
    fn a_widget_below_the_fold_is_brought_to_the_top() {
        let (viewport, content) = (rect(100.0, 400.0), rect(100.0, 2000.0));
        // A clause 1,200 px down the form, the form at its top.
        assert_eq!(
            offset(viewport, content, 0.0, rect(1300.0, 150.0)),
            Some(1176.0)
        );
        // Already in view: nothing moves.
        assert_eq!(offset(viewport, content, 1100.0, rect(1300.0, 150.0)), None);
        // Above the view: scrolled back up to it.
        assert_eq!(
            offset(viewport, content, 1500.0, rect(300.0, 80.0)),
            Some(176.0)
        );
        // Near the end: no further than the content goes.
        assert_eq!(
            offset(viewport, content, 0.0, rect(2000.0, 100.0)),
            Some(1600.0)
        );
    }
}
