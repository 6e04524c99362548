//! Drag to scroll: a finger, or the left mouse button, pressed anywhere on a scrollable
//! area and moved up or down scrolls it, as on a phone.
//!
//! [`drag`] wraps a `scrollable`. Every event still reaches the scrollable and what it
//! holds first; the wrapper only watches:
//!
//! - A press, then a release before the pointer has moved [`THRESHOLD`] up or down, is a
//!   tap: the button under it is pressed as before.
//! - Once it has moved that far, the gesture scrolls the area by the distance moved, and
//!   the button the press landed on is let go without being pressed.
//! - A widget that takes the moves for itself (the signature pad drawing a stroke, the
//!   scrollbar being dragged) keeps the whole gesture: the area does not scroll under it.
//!
//! iced's `scrollable` already scrolls with a finger that lands on something that takes no
//! press (text, padding), and then takes the moves itself, so those gestures stay its own;
//! this adds the mouse (a finger on X11 often arrives as one), and a finger that lands on a
//! button.

use iced::advanced::widget::operation::scrollable::{AbsoluteOffset, Scrollable};
use iced::advanced::widget::{Id, Operation, Tree, tree};
use iced::advanced::{Clipboard, Layout, Shell, Widget, layout, mouse, overlay, renderer};
use iced::{Element, Event, Length, Point, Rectangle, Size, Vector, touch};

/// How far (logical pixels, up or down) a press moves before it scrolls instead of tapping.
pub const THRESHOLD: f32 = 12.0;

/// Makes `scrollable` scroll by dragging it. See the [module](self) for how.
pub fn drag<'a, Message, Theme, Renderer>(
    scrollable: impl Into<Element<'a, Message, Theme, Renderer>>,
) -> Drag<'a, Message, Theme, Renderer> {
    Drag {
        content: scrollable.into(),
    }
}

/// A scrollable area that scrolls by dragging.
pub struct Drag<'a, Message, Theme = iced::Theme, Renderer = iced::Renderer> {
    content: Element<'a, Message, Theme, Renderer>,
}

impl<Message, Theme, Renderer> std::fmt::Debug for Drag<'_, Message, Theme, Renderer> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drag").finish_non_exhaustive()
    }
}

/// What presses and moves the gesture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pointer {
    Mouse,
    Finger(touch::Finger),
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Gesture {
    #[default]
    Idle,
    /// Pressed at `at`, not yet moved far enough to scroll: still a tap.
    Pressed { by: Pointer, at: Point },
    /// Scrolling; the pointer was last at `at`.
    Scrolling { by: Pointer, at: Point },
    /// A widget inside took the moves: the gesture is its own until released.
    Yielded { by: Pointer },
}

enum Step {
    Press,
    Move,
    Release,
}

/// The pointer an event comes from, where it is, and what it does.
fn read(event: &Event, cursor: mouse::Cursor) -> Option<(Pointer, Option<Point>, Step)> {
    use mouse::Event as M;
    use touch::Event as T;
    Some(match event {
        Event::Mouse(M::ButtonPressed(mouse::Button::Left)) => {
            (Pointer::Mouse, cursor.position(), Step::Press)
        }
        Event::Mouse(M::CursorMoved { position }) => (Pointer::Mouse, Some(*position), Step::Move),
        Event::Mouse(M::ButtonReleased(mouse::Button::Left)) => {
            (Pointer::Mouse, cursor.position(), Step::Release)
        }
        Event::Touch(T::FingerPressed { id, position }) => {
            (Pointer::Finger(*id), Some(*position), Step::Press)
        }
        Event::Touch(T::FingerMoved { id, position }) => {
            (Pointer::Finger(*id), Some(*position), Step::Move)
        }
        Event::Touch(T::FingerLifted { id, position } | T::FingerLost { id, position }) => {
            (Pointer::Finger(*id), Some(*position), Step::Release)
        }
        _ => return None,
    })
}

/// Scrolls the outermost scrollable it meets by `by`, and no other.
struct ScrollBy {
    by: Vector,
    done: bool,
}

impl Operation for ScrollBy {
    fn traverse(&mut self, operate: &mut dyn FnMut(&mut dyn Operation)) {
        if !self.done {
            operate(self);
        }
    }

    fn scrollable(
        &mut self,
        _id: Option<&Id>,
        bounds: Rectangle,
        content_bounds: Rectangle,
        _translation: Vector,
        state: &mut dyn Scrollable,
    ) {
        if !self.done {
            let offset = AbsoluteOffset {
                x: self.by.x,
                y: self.by.y,
            };
            state.scroll_by(offset, bounds, content_bounds);
            self.done = true;
        }
    }
}

impl<Message, Theme, Renderer> Drag<'_, Message, Theme, Renderer>
where
    Renderer: iced::advanced::Renderer,
{
    fn scroll(&mut self, tree: &mut Tree, layout: Layout<'_>, renderer: &Renderer, by: f32) {
        let mut operation = ScrollBy {
            by: Vector::new(0.0, by),
            done: false,
        };
        self.content.as_widget_mut().operate(
            &mut tree.children[0],
            layout,
            renderer,
            &mut operation,
        );
    }
}

impl<Message, Theme, Renderer> Widget<Message, Theme, Renderer>
    for Drag<'_, Message, Theme, Renderer>
where
    Renderer: iced::advanced::Renderer,
{
    fn tag(&self) -> tree::Tag {
        tree::Tag::of::<Gesture>()
    }

    fn state(&self) -> tree::State {
        tree::State::new(Gesture::default())
    }

    fn children(&self) -> Vec<Tree> {
        vec![Tree::new(&self.content)]
    }

    fn diff(&self, tree: &mut Tree) {
        tree.diff_children(std::slice::from_ref(&self.content));
    }

    fn size(&self) -> Size<Length> {
        self.content.as_widget().size()
    }

    fn layout(
        &mut self,
        tree: &mut Tree,
        renderer: &Renderer,
        limits: &layout::Limits,
    ) -> layout::Node {
        self.content
            .as_widget_mut()
            .layout(&mut tree.children[0], renderer, limits)
    }

    fn operate(
        &mut self,
        tree: &mut Tree,
        layout: Layout<'_>,
        renderer: &Renderer,
        operation: &mut dyn Operation,
    ) {
        self.content
            .as_widget_mut()
            .operate(&mut tree.children[0], layout, renderer, operation);
    }

    fn update(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        renderer: &Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        let gesture = *tree.state.downcast_ref::<Gesture>();
        let pointer = read(event, cursor);
        // While scrolling, the pointer's events are the gesture's alone.
        if pointer.is_none() || !matches!(gesture, Gesture::Scrolling { .. }) {
            let child = &mut tree.children[0];
            self.content.as_widget_mut().update(
                child, event, layout, cursor, renderer, clipboard, shell, viewport,
            );
        }
        let Some((by, position, step)) = pointer else {
            return;
        };
        let next = match (gesture, step) {
            (Gesture::Idle, Step::Press) => match position {
                Some(at) if layout.bounds().contains(at) => Gesture::Pressed { by, at },
                _ => Gesture::Idle,
            },
            (Gesture::Pressed { by: owner, at }, Step::Move) if owner == by => match position {
                _ if shell.is_event_captured() => Gesture::Yielded { by },
                Some(now) if (now.y - at.y).abs() >= THRESHOLD => {
                    // From here on it scrolls: the button pressed lets go, unpressed.
                    let id = match by {
                        Pointer::Finger(id) => id,
                        Pointer::Mouse => touch::Finger(0),
                    };
                    for cancel in [
                        Event::Touch(touch::Event::FingerLost { id, position: now }),
                        Event::Mouse(mouse::Event::ButtonReleased(mouse::Button::Left)),
                    ] {
                        let (child, nowhere) = (&mut tree.children[0], mouse::Cursor::Unavailable);
                        self.content.as_widget_mut().update(
                            child, &cancel, layout, nowhere, renderer, clipboard, shell, viewport,
                        );
                    }
                    self.scroll(tree, layout, renderer, at.y - now.y);
                    shell.capture_event();
                    shell.request_redraw();
                    Gesture::Scrolling { by, at: now }
                }
                _ => gesture,
            },
            (Gesture::Scrolling { by: owner, at }, step) => {
                // The other pointer (a finger's twin mouse events on X11) is not let in.
                shell.capture_event();
                match (step, position) {
                    _ if owner != by => gesture,
                    (Step::Move, Some(now)) => {
                        self.scroll(tree, layout, renderer, at.y - now.y);
                        shell.request_redraw();
                        Gesture::Scrolling { by, at: now }
                    }
                    (Step::Release, _) => Gesture::Idle,
                    _ => gesture,
                }
            }
            (
                Gesture::Pressed { by: owner, .. } | Gesture::Yielded { by: owner },
                Step::Release,
            ) if owner == by => Gesture::Idle,
            _ => gesture,
        };
        *tree.state.downcast_mut::<Gesture>() = next;
    }

    fn mouse_interaction(
        &self,
        tree: &Tree,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
        renderer: &Renderer,
    ) -> mouse::Interaction {
        if matches!(
            tree.state.downcast_ref::<Gesture>(),
            Gesture::Scrolling { .. }
        ) {
            return mouse::Interaction::Grabbing;
        }
        self.content.as_widget().mouse_interaction(
            &tree.children[0],
            layout,
            cursor,
            viewport,
            renderer,
        )
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut Renderer,
        theme: &Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
    ) {
        self.content.as_widget().draw(
            &tree.children[0],
            renderer,
            theme,
            style,
            layout,
            cursor,
            viewport,
        );
    }

    fn overlay<'b>(
        &'b mut self,
        tree: &'b mut Tree,
        layout: Layout<'b>,
        renderer: &Renderer,
        viewport: &Rectangle,
        translation: Vector,
    ) -> Option<overlay::Element<'b, Message, Theme, Renderer>> {
        self.content.as_widget_mut().overlay(
            &mut tree.children[0],
            layout,
            renderer,
            viewport,
            translation,
        )
    }
}

impl<'a, Message, Theme, Renderer> From<Drag<'a, Message, Theme, Renderer>>
    for Element<'a, Message, Theme, Renderer>
where
    Message: 'a,
    Theme: 'a,
    Renderer: iced::advanced::Renderer + 'a,
{
    fn from(drag: Drag<'a, Message, Theme, Renderer>) -> Self {
        Element::new(drag)
    }
}
