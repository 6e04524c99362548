//! Web Sign as a phone's browser uses it, over real HTTPS: the pages read as HTML and the
//! forms posted back as a browser posts them, the CSRF cookie carried by hand. The store's
//! tests and the Web Sign benchmark drive it alike; a benchmark's phones each come from an
//! address of their own (`127.x.y.z`), as phones on a shop's wifi do.

use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use intake_common::settings::{Audience, Confirm, Settings};

/// An HTTPS client that trusts the store's certificate in `dir` (`store-cert.pem`), its
/// connections made from `from` if given.
pub fn client(dir: &Path, from: Option<IpAddr>) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(dir.join("store-cert.pem")).expect("the store's certificate");
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).expect("a PEM certificate")])
        .local_address(from)
        .build()
        .expect("an HTTPS client")
}

/// One request a phone made and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The form's `action` (`next`, `submit`, …); `None` for an opening (a GET).
    pub action: Option<String>,
    pub status: u16,
    /// From sending the request to the last byte of the page.
    pub took: Duration,
}

/// A form a phone posted, kept with the page it was posted from (see [`Phone::recording`]).
#[derive(Debug, Clone)]
pub struct Posted {
    pub page: String,
    pub action: String,
    /// The fields the person gave (the page's sealed state and token left out).
    pub fields: Vec<(String, String)>,
}

/// A phone's browser: its cookie, the page it shows, and the page's hidden state.
#[derive(Debug)]
pub struct Phone {
    http: reqwest::Client,
    url: String,
    pub cookie: Option<String>,
    pub page: String,
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// Every request answered, in order.
    pub trail: Vec<Exchange>,
    /// Every form posted with the page it came from, once [`Phone::recording`] asked.
    pub posted: Option<Vec<Posted>>,
    /// A wait before each request (a person's time on the page); none unless set.
    pub pause: Duration,
}

/// The value of the first `name="NAME" value="..."` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in the page:\n{page}"));
    let rest = &page[at + name.len() + 15..];
    rest[..rest.find('"').expect("a closing quote")].to_string()
}

impl Phone {
    /// A phone for the store at `url` whose data directory (and certificate) is `dir`.
    pub fn new(dir: &Path, url: &str) -> Phone {
        Phone::with_client(client(dir, None), url)
    }

    /// A phone whose connections come from `address` (a loopback address, 127.x.y.z).
    pub fn from_address(dir: &Path, url: &str, address: IpAddr) -> Phone {
        Phone::with_client(client(dir, Some(address)), url)
    }

    pub fn with_client(http: reqwest::Client, url: &str) -> Phone {
        Phone {
            http,
            url: url.to_string(),
            cookie: None,
            page: String::new(),
            status: 0,
            headers: Default::default(),
            trail: Vec::new(),
            posted: None,
            pause: Duration::ZERO,
        }
    }

    /// Keeps every form posted from now on, with the page it was posted from.
    pub fn recording(mut self) -> Phone {
        self.posted = Some(Vec::new());
        self
    }

    async fn answer(
        &mut self,
        action: Option<String>,
        sent: Instant,
        resp: reqwest::Response,
    ) -> u16 {
        self.status = resp.status().as_u16();
        self.headers = resp.headers().clone();
        if let Some(c) = resp.headers().get("set-cookie") {
            let c = c.to_str().expect("a cookie in ASCII");
            self.cookie = Some(c.split(';').next().unwrap_or_default().to_string());
        }
        self.page = resp.text().await.expect("the page's body");
        self.trail.push(Exchange {
            action,
            status: self.status,
            took: sent.elapsed(),
        });
        self.status
    }

    /// Opens `/sign` with `query` (`""`, `"?lang=es"`).
    pub async fn open(&mut self, query: &str) -> u16 {
        let mut req = self.http.get(format!("{}/sign{query}", self.url));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        self.wait().await;
        let sent = Instant::now();
        let resp = req.send().await.expect("the store answers an opening");
        self.answer(None, sent, resp).await
    }

    /// Posts the page's main form: its state and token, `fields` and `action`.
    pub async fn post(&mut self, action: &str, fields: &[(&str, String)]) -> u16 {
        let mut form: Vec<(String, String)> = vec![
            ("sealed".into(), hidden(&self.page, "sealed")),
            ("csrf".into(), hidden(&self.page, "csrf")),
            ("action".into(), action.into()),
        ];
        form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.clone())));
        if let Some(posted) = &mut self.posted {
            posted.push(Posted {
                page: self.page.clone(),
                action: action.to_string(),
                fields: form[3..].to_vec(),
            });
        }
        self.send(&form).await
    }

    /// Posts `form` as it is, whatever the page holds.
    pub async fn send(&mut self, form: &[(String, String)]) -> u16 {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req = self
            .http
            .post(format!("{}/sign", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let action = form
            .iter()
            .find(|(k, _)| k == "action")
            .map(|(_, v)| v.clone());
        self.wait().await;
        let sent = Instant::now();
        let resp = req.send().await.expect("the store answers a post");
        self.answer(action, sent, resp).await
    }

    async fn wait(&self) {
        if !self.pause.is_zero() {
            tokio::time::sleep(self.pause).await;
        }
    }

    pub fn shows(&self, text: &str) -> bool {
        self.page.contains(text)
    }

    pub fn heading(&self) -> &str {
        let at = self.page.find("<h1>").expect("a heading") + 4;
        let end = self.page[at..].find("</h1>").expect("the heading's end");
        &self.page[at..at + end]
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// A drawn signature as a browser's canvas sends it.
pub fn drawn(seed: f32) -> String {
    let strokes = vec![vec![
        (20.0, 150.0),
        (120.0, 40.0 + seed),
        (260.0, 160.0),
        (420.0, 50.0),
        (580.0, 140.0),
    ]];
    let png = intake_common::release::signature::render_png(&strokes, 600, 200)
        .expect("a 600x200 pad renders");
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// Someone filling Web Sign in.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub first: &'static str,
    pub last: &'static str,
    pub birthdate: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub initials: &'static str,
    /// Name, relationship and initials.
    pub guardian: Option<(&'static str, &'static str, &'static str)>,
    /// Sign by typing the name instead of drawing.
    pub typed: bool,
}

pub const ADULT: Person = Person {
    first: "Ana",
    last: "Reyes",
    birthdate: "1990-04-23",
    phone: "512 555 0100",
    email: "ana@example.com",
    initials: "AR",
    guardian: None,
    typed: false,
};

/// Goes through every step from the first page to the review, with the shipped settings;
/// returns at the review. Panics on a step the store refuses.
pub async fn fill(phone: &mut Phone, p: &Person) {
    let settings = Settings::defaults();
    let minor = p.guardian.is_some();
    assert_eq!(
        phone
            .post(
                "next",
                &[
                    ("first_name", s(p.first)),
                    ("last_name", s(p.last)),
                    ("birthdate", s(p.birthdate)),
                    ("phone", s(p.phone)),
                    ("email", s(p.email)),
                ],
            )
            .await,
        200,
        "{}",
        phone.page
    );
    phone
        .post(
            "next",
            &[
                ("street", s("12 Elm St")),
                ("city", s("Austin")),
                ("state", s("TX")),
                ("postal_code", s("78701")),
            ],
        )
        .await;
    phone
        .post(
            "next",
            &[
                ("emergency_name", s("Sam Reyes")),
                ("emergency_phone", s("5125550101")),
                ("emergency_relation", s("brother")),
            ],
        )
        .await;
    if let Some((name, relation, _)) = p.guardian {
        assert_eq!(phone.status, 200, "{}", phone.page);
        phone
            .post(
                "next",
                &[
                    ("guardian_name", s(name)),
                    ("guardian_relation", s(relation)),
                ],
            )
            .await;
    }
    let answers: Vec<(String, String)> = (0..settings.questions.len())
        .map(|i| (format!("q{i}"), s(if i == 0 { "yes" } else { "no" })))
        .chain([(s("q0_details"), s("latex"))])
        .collect();
    assert_eq!(
        phone.post("next", &borrowed(&answers)).await,
        200,
        "{}",
        phone.page
    );
    let mut clauses = Vec::new();
    for (i, c) in settings.template.clauses.iter().enumerate() {
        if !c.audience.shown_to(minor) {
            continue;
        }
        let initials = match (c.audience, p.guardian) {
            (Audience::Guardian, Some((_, _, g))) => g,
            _ => p.initials,
        };
        if c.optional {
            // The optional clauses are declined.
            clauses.push((format!("c{i}_choice"), s("no")));
        } else if c.confirm == Confirm::Initials {
            clauses.push((format!("c{i}"), s(initials)));
        } else {
            clauses.push((format!("c{i}_agree"), s("yes")));
        }
    }
    assert_eq!(
        phone.post("next", &borrowed(&clauses)).await,
        200,
        "{}",
        phone.page
    );
    let mut sign = if p.typed {
        vec![
            ("typed_name", format!("{} {}", p.first, p.last)),
            ("typed_confirm", s("yes")),
        ]
    } else {
        vec![("signature", drawn(0.0))]
    };
    if minor {
        sign.push(("guardian_signature", drawn(9.0)));
    }
    assert_eq!(phone.post("next", &sign).await, 200, "{}", phone.page);
}

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect()
}
