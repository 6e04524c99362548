//! The frame every console page shares: the shop's name, the navigation (only the pages
//! the signed-in role may open), who is signed in, the language switch and sign-out.

use intake_common::Permission;
use intake_common::settings::Lang;
use maud::{DOCTYPE, Markup, html};

use super::words::{Msg, Words};
use super::{Console, Staff};

/// The console's sections: where each is, its name, and the permission it takes.
pub const SECTIONS: &[(&str, Msg, Permission)] = &[
    (
        "/console/customers",
        Msg::Customers,
        Permission::ReadCustomer,
    ),
    ("/console/import", Msg::Import, Permission::ImportCustomer),
    (
        "/console/duplicates",
        Msg::Duplicates,
        Permission::ReadCustomer,
    ),
    ("/console/export", Msg::Export, Permission::ExportCustomer),
    (
        "/console/webhooks",
        Msg::Webhooks,
        Permission::ManageWebhooks,
    ),
    ("/console/staff", Msg::Staff, Permission::ManageUsers),
    ("/console/devices", Msg::Devices, Permission::ManageDevices),
    ("/console/audit", Msg::AuditLog, Permission::ManageUsers),
    (
        "/console/settings",
        Msg::Settings,
        Permission::ManageSettings,
    ),
];

fn head(title: &str, shop: &str, refresh: Option<u32>) -> Markup {
    html! {
        meta charset="utf-8";
        @if let Some(secs) = refresh {
            // A page that follows work under way (an import) reloads itself: the console
            // has no script.
            meta http-equiv="refresh" content=(secs);
        }
        meta name="viewport" content="width=device-width, initial-scale=1";
        meta name="referrer" content="same-origin";
        title { (title) " · " (shop) }
        link rel="stylesheet" href="/console/style.css";
    }
}

/// Links to the console's other languages, coming back to `here`.
fn languages(w: Words<'_>, here: &str) -> Markup {
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    html! {
        nav.languages aria-label=(w.get(Msg::Language)) {
            @for lang in Lang::ALL.into_iter().filter(|l| *l != w.lang) {
                a href={ "/console/language?to=" (lang.code()) "&next=" (next) }
                    lang=(lang.code()) hreflang=(lang.code()) { (lang.native_name()) }
            }
        }
    }
}

/// A signed-in page: `body` under the header and navigation.
pub fn frame(staff: &Staff, title: &str, body: Markup, refresh: Option<u32>) -> Markup {
    let w = staff.words();
    let current = staff.console().current();
    let shop = &current.settings.shop.name;
    let path = staff.here.split('?').next().unwrap_or("");
    html! {
        (DOCTYPE)
        html lang=(w.lang.code()) {
            head { (head(title, shop, refresh)) }
            body {
                a.skip href="#main" { (w.get(Msg::SkipToContent)) }
                header {
                    p.shop { (shop) }
                    nav.sections aria-label=(w.get(Msg::Sections)) {
                        ul {
                            @for (href, name, needs) in SECTIONS {
                                @if staff.may(*needs) {
                                    li {
                                        @if path.starts_with(href) {
                                            a href=(href) aria-current="page" { (w.get(*name)) }
                                        } @else {
                                            a href=(href) { (w.get(*name)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div.who {
                        span { (staff.actor.name) " · " (w.get(Msg::role(staff.actor.role))) }
                        (languages(w, &staff.here))
                        form method="post" action="/console/sign-out" {
                            input type="hidden" name="csrf" value=(staff.csrf);
                            button type="submit" { (w.get(Msg::SignOut)) }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

/// A page with no one signed in: the sign-in form, or a refusal.
pub fn outside(console: &Console, lang: Lang, here: &str, title: &str, body: Markup) -> Markup {
    let w = console.words(lang);
    let current = console.current();
    let shop = &current.settings.shop.name;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head { (head(title, shop, None)) }
            body.outside {
                header {
                    p.shop { (shop) }
                    (languages(w, here))
                }
                main id="main" { (body) }
            }
        }
    }
}

/// A refusal outside the frame: a heading, why, and the way back in.
pub fn bare(console: &Console, lang: Lang, title: &str, why: &str) -> Markup {
    let w = console.words(lang);
    outside(
        console,
        lang,
        super::HOME,
        title,
        html! {
            h1 { (title) }
            p.error role="alert" { (why) }
            p { a href=(super::HOME) { (w.get(Msg::BackToCustomers)) } }
        },
    )
}
