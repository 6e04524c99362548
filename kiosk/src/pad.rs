//! The signature pad: a canvas that turns finger or mouse strokes into messages.
//!
//! Touch positions arrive in window coordinates, not moved with a scrolled page as the
//! pointer is; the pointer follows a finger, so where it is at the touch gives the page's
//! scroll, and the stroke's points are moved by it. On X11 a finger also moves the pointer,
//! so a stroke follows only the device that started it.

use iced::widget::canvas::{self, Frame, Geometry, Path, Stroke};
use iced::{Color, Point, Rectangle, Renderer, Theme, Vector, mouse, touch};

use intake_common::release::signature::Point as Ink;

/// Which pad: the customer's, or the guardian's for a minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadId {
    Customer,
    Guardian,
}

impl PadId {
    /// The widget id of this signature's picture on the review page.
    pub fn review_id(self) -> &'static str {
        match self {
            PadId::Customer => "review-customer-signature",
            PadId::Guardian => "review-guardian-signature",
        }
    }
}

/// What a pad reports, in pad coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PadEvent {
    /// A stroke starts; carries the pad's size, which the saved image takes.
    Begin {
        at: Ink,
        size: (f32, f32),
    },
    To(Ink),
    End,
}

/// A pad drawing the strokes it is given.
#[derive(Debug)]
pub struct Pad<'a, M> {
    pub strokes: &'a [Vec<Ink>],
    /// `None` shows the strokes without taking any (the review's preview).
    pub on_event: Option<fn(PadEvent) -> M>,
    /// The size the strokes were drawn at, when shown smaller (the preview).
    pub drawn_at: Option<(f32, f32)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub enum Drawing {
    #[default]
    Idle,
    Mouse,
    /// A finger, and how far the page under it is scrolled (window to pad coordinates).
    Finger(touch::Finger, Vector),
}

fn relative(position: Point, bounds: Rectangle) -> Ink {
    (
        (position.x - bounds.x).clamp(0.0, bounds.width),
        (position.y - bounds.y).clamp(0.0, bounds.height),
    )
}

impl<M> canvas::Program<M> for Pad<'_, M> {
    type State = Drawing;

    fn update(
        &self,
        state: &mut Drawing,
        event: &canvas::Event,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Option<canvas::Action<M>> {
        let on_event = self.on_event?;
        let size = (bounds.width, bounds.height);
        let publish = |e: PadEvent| Some(canvas::Action::publish(on_event(e)).and_capture());
        match (event, *state) {
            (canvas::Event::Touch(touch::Event::FingerPressed { id, position }), Drawing::Idle) => {
                let scrolled = cursor.position().map_or(Vector::ZERO, |at| at - *position);
                let position = *position + scrolled;
                if !bounds.contains(position) {
                    return None;
                }
                *state = Drawing::Finger(*id, scrolled);
                publish(PadEvent::Begin {
                    at: relative(position, bounds),
                    size,
                })
            }
            (
                canvas::Event::Touch(touch::Event::FingerMoved { id, position }),
                Drawing::Finger(f, scrolled),
            ) if *id == f => publish(PadEvent::To(relative(*position + scrolled, bounds))),
            (
                canvas::Event::Touch(
                    touch::Event::FingerLifted { id, .. } | touch::Event::FingerLost { id, .. },
                ),
                Drawing::Finger(f, _),
            ) if *id == f => {
                *state = Drawing::Idle;
                publish(PadEvent::End)
            }
            (
                canvas::Event::Mouse(mouse::Event::ButtonPressed(mouse::Button::Left)),
                Drawing::Idle,
            ) => {
                let position = cursor.position_in(bounds)?;
                *state = Drawing::Mouse;
                publish(PadEvent::Begin {
                    at: (position.x, position.y),
                    size,
                })
            }
            (canvas::Event::Mouse(mouse::Event::CursorMoved { .. }), Drawing::Mouse) => {
                let position = cursor.position()?;
                publish(PadEvent::To(relative(position, bounds)))
            }
            (
                canvas::Event::Mouse(mouse::Event::ButtonReleased(mouse::Button::Left)),
                Drawing::Mouse,
            ) => {
                *state = Drawing::Idle;
                publish(PadEvent::End)
            }
            _ => None,
        }
    }

    fn draw(
        &self,
        _state: &Drawing,
        renderer: &Renderer,
        _theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let mut frame = Frame::new(renderer, bounds.size());
        frame.fill_rectangle(Point::ORIGIN, bounds.size(), Color::WHITE);
        // The signing line, with its cross.
        let line_y = bounds.height * 0.75;
        let guide = Color::from_rgb8(0x9a, 0xa0, 0xab);
        frame.stroke(
            &Path::line(
                Point::new(24.0, line_y),
                Point::new(bounds.width - 24.0, line_y),
            ),
            Stroke::default().with_color(guide).with_width(2.0),
        );
        frame.stroke(
            &Path::new(|p| {
                p.move_to(Point::new(28.0, line_y - 26.0));
                p.line_to(Point::new(44.0, line_y - 10.0));
                p.move_to(Point::new(44.0, line_y - 26.0));
                p.line_to(Point::new(28.0, line_y - 10.0));
            }),
            Stroke::default().with_color(guide).with_width(3.0),
        );
        let ink = Stroke::default()
            .with_color(Color::from_rgb8(0x10, 0x18, 0x30))
            .with_width(3.5)
            .with_line_cap(canvas::LineCap::Round)
            .with_line_join(canvas::LineJoin::Round);
        let scale = match self.drawn_at {
            Some((w, h)) if w > 0.0 && h > 0.0 => (bounds.width / w).min(bounds.height / h),
            _ => 1.0,
        };
        for stroke in self.strokes {
            let Some(&(x, y)) = stroke.first() else {
                continue;
            };
            let (x, y) = (x * scale, y * scale);
            let path = Path::new(|p| {
                p.move_to(Point::new(x, y));
                if stroke.len() == 1 {
                    p.line_to(Point::new(x + 0.5, y));
                }
                for &(x, y) in &stroke[1..] {
                    p.line_to(Point::new(x * scale, y * scale));
                }
            });
            frame.stroke(&path, ink);
        }
        vec![frame.into_geometry()]
    }

    fn mouse_interaction(
        &self,
        _state: &Drawing,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> mouse::Interaction {
        if cursor.is_over(bounds) {
            mouse::Interaction::Crosshair
        } else {
            mouse::Interaction::default()
        }
    }
}
