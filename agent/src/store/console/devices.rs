//! The devices paired with this store: each one's role, whether it may show medical
//! details, whether it is paired, waiting for its code, or revoked, and when it last
//! synced; and adding one, which answers the one page that ever shows its one-time pairing
//! code: as text, and with the store's address and key fingerprint as the `intake-agent
//! pair` command, also as a QR code. The rules are the command line's (`intake-agent device
//! add`), kept by `intake_common::sync`, which checks the permissions and audits.

use axum::http::{HeaderMap, StatusCode, header};
use intake_common::sync::{self, DeviceRecord, DeviceRole, NewDevice};
use intake_common::{Error, Permission};
use maud::{Markup, PreEscaped, html};

use super::super::error::ApiResult;
use super::customer::short_time;
use super::form::{Input, Problems};
use super::words::{Msg, Words};
use super::{Page, Posted, Staff};

/// Where the device pages are.
pub const DEVICES: &str = "/console/devices";

/// Every device, oldest first.
pub(super) async fn every_device(staff: &Staff) -> ApiResult<Vec<DeviceRecord>> {
    let actor = staff.actor.clone();
    staff
        .state
        .pool
        .run(move |db| Ok(sync::list_devices(db, &actor)?))
        .await
}

/// What the add form holds after a post that added nothing.
#[derive(Default)]
struct Adding {
    name: String,
    role: String,
    medical: bool,
    problems: Problems,
}

/// `GET /console/devices`.
pub async fn list(staff: Staff) -> Page {
    match every_device(&staff).await {
        Ok(all) => page(&staff, &all, &Adding::default(), StatusCode::OK),
        Err(e) => staff.failed(e),
    }
}

fn role_name(w: Words<'_>, role: DeviceRole) -> String {
    w.get(match role {
        DeviceRole::Kiosk => Msg::Kiosk,
        DeviceRole::Counter => Msg::Counter,
    })
    .into_owned()
}

fn page(staff: &Staff, all: &[DeviceRecord], adding: &Adding, status: StatusCode) -> Page {
    let w = staff.words();
    let title = w.get(Msg::Devices);
    let role_problem = adding.problems.at("role");
    let medical_problem = adding.problems.at("medical");
    // A chain's devices each stand at a location; a single shop's have none.
    let located = all.iter().any(|d| d.location.is_some());
    let body = html! {
        h1 { (title) }
        (adding.problems.summary(w))
        @if all.is_empty() {
            p.empty { (w.get(Msg::NoDevices)) }
        } @else {
            div.table-wrap {
                table {
                    caption.visually-hidden { (title) }
                    thead { tr {
                        th scope="col" { (w.get(Msg::Name)) }
                        th scope="col" { (w.get(Msg::Role)) }
                        th scope="col" { (w.get(Msg::Medical)) }
                        th scope="col" { (w.get(Msg::DeviceState)) }
                        @if located { th scope="col" { (w.get(Msg::Location)) } }
                        th scope="col" { (w.get(Msg::LastSync)) }
                        th scope="col" { span.visually-hidden { (w.get(Msg::Actions)) } }
                    } }
                    tbody {
                        @for d in all {
                            tr {
                                th scope="row" { (d.name) }
                                td { (role_name(w, d.role)) }
                                td { (w.get(if d.medical { Msg::Yes } else { Msg::No })) }
                                td { (state(w, d)) }
                                @if located { td { (d.location.as_deref().unwrap_or("")) } }
                                td { (d.last_seen_at.as_deref().map_or_else(|| w.get(Msg::Never).into_owned(), short_time)) }
                                td {
                                    div.row-actions {
                                        @if d.revoked_at.is_none() {
                                            @if d.role == DeviceRole::Kiosk {
                                                a href={ (DEVICES) "/" (d.id) "/exit-code" }
                                                    aria-label=(w.with(Msg::ExitCodeOf, &[("name", d.name.clone())])) {
                                                    (w.get(Msg::ExitCode))
                                                }
                                            }
                                            a href={ (DEVICES) "/" (d.id) "/revoke" }
                                                aria-label=(w.with(Msg::RevokeOf, &[("name", d.name.clone())])) {
                                                (w.get(Msg::Revoke))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="add-device" {
            h2 #add-device { (w.get(Msg::AddDevice)) }
            form.edit method="post" action=(DEVICES) novalidate {
                input type="hidden" name="csrf" value=(staff.csrf);
                (Input {
                    id: "name", name: "name", label: w.get(Msg::Name).into_owned(), kind: "text",
                    value: &adding.name, maxlength: 64, hint: Some(w.get(Msg::DeviceNameHint).into_owned()),
                    digits: false, autocomplete: "off", required: true,
                }.render(&adding.problems))
                div.field {
                    label for="role" { (w.get(Msg::Role)) }
                    @if let Some(p) = role_problem { p.error #role-error { (p) } }
                    select #role name="role" aria-invalid=[role_problem.map(|_| "true")]
                        aria-describedby=[role_problem.map(|_| "role-error")] {
                        @for role in [DeviceRole::Kiosk, DeviceRole::Counter] {
                            option value=(role.name()) selected[adding.role == role.name()] { (role_name(w, role)) }
                        }
                    }
                }
                @if staff.may(Permission::MedicalCustomer) {
                    @if let Some(p) = medical_problem { p.error #medical-error { (p) } }
                    div.check {
                        input #medical type="checkbox" name="medical" value="yes" checked[adding.medical]
                            aria-invalid=[medical_problem.map(|_| "true")]
                            aria-describedby=[medical_problem.map(|_| "medical-error")];
                        label for="medical" { (w.get(Msg::MedicalCounter)) }
                    }
                }
                button type="submit" { (w.get(Msg::AddDevice)) }
            }
        }
    };
    staff.page(status, &title, body)
}

/// Paired, waiting for its code (until when), or revoked (since when).
fn state(w: Words<'_>, d: &DeviceRecord) -> String {
    match (&d.revoked_at, &d.paired_at) {
        (Some(at), _) => w.with(Msg::RevokedOn, &[("at", short_time(at))]),
        (None, Some(at)) => w.with(Msg::PairedOn, &[("at", short_time(at))]),
        (None, None) => w.get(Msg::Waiting),
    }
    .into_owned()
}

/// `POST /console/devices`: adds a device and shows its pairing code, once.
pub async fn add(headers: HeaderMap, posted: Posted) -> Page {
    let w = posted.staff.words();
    let mut adding = Adding {
        name: posted.get("name").chars().take(64).collect(),
        role: posted.get("role").chars().take(20).collect(),
        medical: !posted.get("medical").is_empty(),
        problems: Problems::default(),
    };
    let role = match adding.role.parse::<DeviceRole>() {
        Ok(r) => Some(r),
        Err(_) => {
            adding.problems.add(
                "role",
                w.get(Msg::Role),
                w.with(Msg::NotADeviceRole, &[("role", adding.role.clone())]),
            );
            None
        }
    };
    if adding.medical && role == Some(DeviceRole::Kiosk) {
        adding
            .problems
            .add("medical", w.get(Msg::Medical), w.get(Msg::KioskNoMedical));
    }
    let staff = &posted.staff;
    if let (Some(role), true) = (role, adding.problems.is_empty()) {
        let (actor, name, medical) = (
            staff.actor.clone(),
            posted.get("name").to_string(),
            adding.medical,
        );
        let added = staff
            .state
            .pool
            .run(move |db| Ok(sync::add_device(db, &actor, &name, role, medical)))
            .await;
        match added {
            Ok(Ok(made)) => return code_page(staff, &headers, &made),
            // Every refusal of a well-formed request is about the name: its form, or taken.
            Ok(Err(Error::Invalid(m))) => adding.problems.add("name", w.get(Msg::Name), m),
            Ok(Err(e)) => return staff.failed(e.into()),
            Err(e) => return staff.failed(e),
        }
    }
    match every_device(staff).await {
        Ok(all) => page(staff, &all, &adding, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => staff.failed(e),
    }
}

/// The store's address as this browser reached it, for the device to reach it the same
/// way (over HTTPS unless the store serves plain HTTP on a loopback address); a
/// placeholder when the `Host` header is not a plain host and port.
fn store_address(headers: &HeaderMap, https: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("THIS-HOST:8443");
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// What `intake-agent pair` on the device is given: the store, the code, and the key's
/// fingerprint to pin (none when the store serves plain HTTP).
pub fn pair_command(store: &str, code: &str, fingerprint: Option<&str>) -> String {
    let mut command = format!("intake-agent pair --store {store} --code {code}");
    if let Some(fp) = fingerprint {
        command.push_str(" --fingerprint ");
        command.push_str(&fp.replace(':', ""));
    }
    command
}

/// The page that shows a new device's pairing code: once, never stored, never shown again.
fn code_page(staff: &Staff, headers: &HeaderMap, made: &NewDevice) -> Page {
    let w = staff.words();
    let fingerprint = staff.console().fingerprint.as_deref();
    let store = store_address(headers, fingerprint.is_some());
    let command = pair_command(&store, &made.code, fingerprint);
    let title = w.with(Msg::PairTitle, &[("name", made.name.clone())]);
    let body = html! {
        h1 { (title) }
        p.warning role="alert" { strong { (w.get(Msg::ShownOnce)) } }
        dl.profile {
            dt { (w.get(Msg::PairingCode)) }
            dd { code.pairing-code #pairing-code { (made.code) } }
            dt { (w.get(Msg::ValidUntil)) }
            dd { (short_time(&made.expires_at)) " UTC" }
            dt { (w.get(Msg::Role)) }
            dd {
                (role_name(w, made.role))
                @if made.medical { " · " (w.get(Msg::Medical)) }
            }
            @if let Some(fp) = fingerprint {
                dt { (w.get(Msg::StoreKey)) }
                dd { code #fingerprint { (fp) } }
            }
        }
        h2 { (w.get(Msg::OnTheDevice)) }
        p { (w.get(Msg::PairHint)) }
        pre.command { code #pair-command { (command) } }
        figure.qr {
            (qr_svg(&command, &w.get(Msg::QrLabel)))
            figcaption { (w.get(Msg::QrCaption)) }
        }
        @if made.role == DeviceRole::Kiosk {
            p {
                (w.get(Msg::KioskNeedsExitCode)) " "
                a href={ (DEVICES) "/" (made.id) "/exit-code" } { (w.get(Msg::SetExitCode)) }
            }
        }
        p { a href=(DEVICES) { (w.get(Msg::BackToDevices)) } }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// `text` as a QR code in inline SVG: one path of dark modules in a four-module quiet zone,
/// labelled for a screen reader (the same text is on the page).
fn qr_svg(text: &str, label: &str) -> Markup {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return html! {};
    };
    let width = code.width();
    let colors = code.to_colors();
    let mut d = String::new();
    for row in 0..width {
        let mut col = 0;
        while col < width {
            if colors[row * width + col] == qrcode::Color::Dark {
                let start = col;
                while col < width && colors[row * width + col] == qrcode::Color::Dark {
                    col += 1;
                }
                d.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + 4,
                    row + 4,
                    col - start,
                    col - start
                ));
            } else {
                col += 1;
            }
        }
    }
    let size = width + 8;
    html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (size) " " (size) }
            role="img" aria-label=(label) shape-rendering="crispEdges" {
            rect width=(size) height=(size) fill="#fff" {}
            path fill="#000" d=(PreEscaped(d)) {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_what_pair_takes_and_the_host_is_checked() {
        assert_eq!(
            pair_command(
                "https://store.local:8443",
                "ABCD-EFGH-JKMN",
                Some("AB:CD:EF")
            ),
            "intake-agent pair --store https://store.local:8443 --code ABCD-EFGH-JKMN --fingerprint ABCDEF"
        );
        assert_eq!(
            pair_command("https://s", "C", None),
            "intake-agent pair --store https://s --code C"
        );
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8443".parse().unwrap());
        assert_eq!(store_address(&h, true), "https://127.0.0.1:8443");
        assert_eq!(store_address(&h, false), "http://127.0.0.1:8443");
        h.insert(header::HOST, "evil\"host".parse().unwrap());
        assert_eq!(store_address(&h, true), "https://THIS-HOST:8443");
    }

    #[test]
    fn the_qr_code_is_one_path_of_whole_modules() {
        let svg = qr_svg("intake-agent pair --store https://s --code C", "QR").into_string();
        assert!(svg.starts_with("<svg class=\"qr\""), "{svg}");
        assert!(svg.contains("role=\"img\" aria-label=\"QR\""));
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(!svg.contains("style"));
    }
}
