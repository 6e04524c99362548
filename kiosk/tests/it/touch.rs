//! Finger-sized buttons, checked on the screen as laid out: a button is at least a finger
//! high, its label is whole (not squeezed) and 8 px or more from every edge. Shared by the
//! counter's and the kiosk's tests.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::BTreeSet;

use iced::advanced::widget::Id;
use iced::{Point, Rectangle, Size, Vector, event, mouse};
use iced_test::selector::Candidate;
use iced_test::simulator::{Simulator, click};

/// Every text on screen, every container (buttons among them) and every typing field;
/// bounds as laid out, before any scrolling.
pub struct Layout {
    pub texts: Vec<(String, Rectangle, Option<Rectangle>)>,
    pub containers: Vec<Rectangle>,
    pub inputs: Vec<Rectangle>,
}

pub fn layout<M>(ui: &mut Simulator<'_, M>) -> Layout {
    let mut l = Layout {
        texts: Vec::new(),
        containers: Vec::new(),
        inputs: Vec::new(),
    };
    let _ = ui.find(|c: Candidate<'_>| {
        match c {
            Candidate::Text {
                content,
                bounds,
                visible_bounds,
                ..
            } => l.texts.push((content.to_owned(), bounds, visible_bounds)),
            Candidate::Container { bounds, .. } => l.containers.push(bounds),
            Candidate::TextInput { bounds, .. } => l.inputs.push(bounds),
            _ => {}
        }
        None::<()>
    });
    l
}

/// The sizes text is set in (logical pixels).
const TEXT_SIZES: [f32; 6] = [22.0, 28.0, 32.0, 34.0, 40.0, 56.0];

/// The size of `label` laid out on one line with all the room it wants. Its text size is
/// read from its height when that is one line of a size text is set in (or two of a
/// larger one: then it is wrapped, and wider than laid out); a box taller than its line
/// (a centred label, a taller line) is taken as the smallest size.
fn natural_size(label: &str, height: f32) -> Size {
    let size = TEXT_SIZES
        .into_iter()
        .find(|s| (s * 1.3 - height).abs() < 0.5)
        .unwrap_or(TEXT_SIZES[0]);
    let element: iced::Element<'_, ()> = iced::widget::text(label.to_owned()).size(size).into();
    let mut ui = Simulator::with_size(iced::Settings::default(), Size::new(4000.0, 400.0), element);
    let l = layout(&mut ui);
    l.texts
        .iter()
        .map(|(_, b, _)| b.size())
        .fold(Size::ZERO, |a, b| a.max(b))
}

/// Whether `outer` holds `inner` and is larger.
fn holds(outer: &Rectangle, inner: &Rectangle) -> bool {
    outer.x <= inner.x + 0.5
        && outer.y <= inner.y + 0.5
        && outer.x + outer.width >= inner.x + inner.width - 0.5
        && outer.y + outer.height >= inner.y + inner.height - 0.5
        && (outer.width > inner.width + 0.5 || outer.height > inner.height + 0.5)
}

/// Checks the button `button` labelled `content`, laid out at `t`. A label laid out larger
/// than it needs is taken as centred in its box, as the kiosk's are.
fn check(content: &str, t: &Rectangle, button: &Rectangle, min: f32) {
    assert!(button.height >= min, "{content:?}: {button:?} is too low");
    let natural = natural_size(content, t.height);
    assert!(
        t.width + 0.5 >= natural.width,
        "{content:?} is squeezed: {} < {}",
        t.width,
        natural.width
    );
    let ink = Rectangle::new(
        Point::new(
            t.x + (t.width - natural.width) / 2.0,
            t.y + (t.height - natural.height) / 2.0,
        ),
        natural,
    );
    let margins = [
        ink.x - button.x,
        button.x + button.width - (ink.x + ink.width),
        ink.y - button.y,
        button.y + button.height - (ink.y + ink.height),
    ];
    assert!(
        margins.iter().all(|m| *m >= 8.0),
        "{content:?} comes within {margins:?} px of its button's border {button:?}"
    );
}

/// Checks each button labelled with one of `labels`, taking the smallest container around
/// the label for its button, and every typing field. Returns how many buttons it saw.
pub fn check_buttons<M>(mut ui: Simulator<'_, M>, labels: &[String], min: f32) -> usize {
    let l = layout(&mut ui);
    let mut seen = 0;
    for (content, t, _) in l.texts.iter().filter(|(c, ..)| labels.contains(c)) {
        let button = l
            .containers
            .iter()
            .filter(|b| holds(b, t))
            .min_by(|a, b| (a.width * a.height).total_cmp(&(b.width * b.height)))
            .unwrap_or_else(|| panic!("{content:?} sits in no button"));
        check(content, t, button, min);
        seen += 1;
    }
    for input in &l.inputs {
        assert!(input.height >= min, "a typing field {input:?} is too low");
    }
    seen
}

/// Whether a click at `at` is taken by something pressable.
fn pressable<M>(ui: &mut Simulator<'_, M>, at: Point) -> bool {
    ui.point_at(at);
    let statuses = ui.simulate(click());
    statuses.first() == Some(&event::Status::Captured)
}

/// How far from `from`, going `step` at a time (4 px: buttons side by side are further
/// apart), a press is still taken, to the pixel.
fn reach<M>(ui: &mut Simulator<'_, M>, from: Point, step: Vector, limit: Rectangle) -> f32 {
    let inside = |p: Point| limit.contains(p);
    let mut n = 0.0;
    while inside(from + step * (n + 1.0)) && pressable(ui, from + step * (n + 1.0)) {
        n += 1.0;
    }
    // The last pixels, one at a time.
    let unit = step * (1.0 / step.x.abs().max(step.y.abs()));
    let mut far = from + step * n;
    while inside(far + unit) && pressable(ui, far + unit) {
        far += unit;
    }
    (far.x - from.x).abs().max((far.y - from.y).abs())
}

/// The scrollable `id`: its bounds, and how far its content can scroll.
fn scroll_room<M>(ui: &mut Simulator<'_, M>, id: &Id) -> (Rectangle, f32) {
    let id = id.clone();
    ui.find(move |c: Candidate<'_>| match c {
        Candidate::Scrollable {
            id: Some(found),
            bounds,
            content_bounds,
            ..
        } if *found == id => Some((bounds, (content_bounds.height - bounds.height).max(0.0))),
        _ => None,
    })
    .unwrap()
}

/// Checks every button on a screen of size `window`, its scrollable `form` scrolled
/// through half a screen at a time: a text a click on is taken is a button's label, and
/// its button is the pressable box around it, measured along the lines through the
/// label's centre. Returns the labels it checked.
pub fn check_every_button<M>(
    ui: &mut Simulator<'_, M>,
    window: Size,
    form: &Id,
    min: f32,
) -> BTreeSet<String> {
    let window = Rectangle::new(Point::ORIGIN, window);
    let (form_bounds, room) = scroll_room(ui, form);
    let mut checked: BTreeSet<(String, [u32; 4])> = BTreeSet::new();
    let mut unchecked: BTreeSet<String> = BTreeSet::new();
    let mut offset = 0.0_f32;
    loop {
        // To `offset` from the top.
        ui.point_at(form_bounds.center());
        let _ = ui.simulate([
            iced::Event::Mouse(mouse::Event::WheelScrolled {
                delta: mouse::ScrollDelta::Pixels { x: 0.0, y: 1.0e6 },
            }),
            iced::Event::Mouse(mouse::Event::WheelScrolled {
                delta: mouse::ScrollDelta::Pixels { x: 0.0, y: -offset },
            }),
        ]);
        for (content, t, visible) in layout(ui).texts {
            // Only labels shown whole.
            let Some(shown) = visible
                .filter(|v| (v.width - t.width).abs() < 0.5 && (v.height - t.height).abs() < 0.5)
            else {
                continue;
            };
            let key = (
                content.clone(),
                [t.x, t.y, t.width, t.height].map(f32::to_bits),
            );
            let c = shown.center();
            if checked.contains(&key) || !pressable(ui, c) {
                continue;
            }
            // A button in the form is measured within it, one outside it outside it.
            let limit = if form_bounds.contains(c) {
                form_bounds
            } else {
                window
            };
            let [left, right, up, down] = [(-4.0, 0.0), (4.0, 0.0), (0.0, -4.0), (0.0, 4.0)]
                .map(|(x, y)| reach(ui, c, Vector::new(x, y), limit));
            let button = Rectangle::new(
                Point::new(c.x - left, c.y - up),
                Size::new(left + right + 1.0, up + down + 1.0),
            );
            let edge = |a: f32, b: f32| (a - b).abs() < 2.0;
            let cut = limit == form_bounds
                && (edge(button.y, form_bounds.y)
                    || edge(button.y + button.height, form_bounds.y + form_bounds.height));
            if cut || !button.contains(shown.position()) {
                unchecked.insert(content);
                continue;
            }
            check(&content, &shown, &button, min);
            unchecked.remove(&content);
            checked.insert(key);
        }
        if offset >= room {
            break;
        }
        offset = (offset + form_bounds.height / 2.0).min(room);
    }
    assert!(
        unchecked.is_empty(),
        "buttons never seen whole: {unchecked:?}"
    );
    checked.into_iter().map(|(c, _)| c).collect()
}
