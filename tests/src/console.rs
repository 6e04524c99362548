//! The staff console as a browser meets it, over real HTTPS: a session cookie kept after
//! signing in, forms posted with the page's CSRF token and the store's own `Origin`, and
//! redirects not followed, so a test sees each answer as it is.

use std::path::Path;

use reqwest::header::{COOKIE, HeaderMap, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;

/// The cookie the console keeps its session in.
pub const COOKIE_NAME: &str = "__Host-intake-console";

/// One browser's view of the console.
#[derive(Clone, Debug)]
pub struct Console {
    http: reqwest::Client,
    pub url: String,
    /// The session cookie's value, once signed in.
    pub cookie: Option<String>,
}

/// An answer as it came.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The value of the first hidden `csrf` field on the page.
    pub fn csrf(&self) -> Option<String> {
        field_value(&self.body, "csrf")
    }
}

/// The `value` of the first input named `name` in `html` (as maud writes them).
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    rest.split('"').next().map(|v| v.replace("&amp;", "&"))
}

impl Console {
    /// A browser for the store at `url` whose certificate is in `dir`.
    pub fn new(dir: &Path, url: &str) -> Console {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let pem = std::fs::read(dir.join("store-cert.pem")).expect("the store's certificate");
        let http = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&pem).expect("a PEM certificate")])
            .redirect(Policy::none())
            .build()
            .expect("an HTTPS client");
        Console {
            http,
            url: url.to_string(),
            cookie: None,
        }
    }

    /// The same browser, with its session, talking to the store process at `url` (another
    /// process of the same store, as a load balancer would hand it over).
    pub fn at(&self, url: &str) -> Console {
        Console {
            url: url.to_string(),
            ..self.clone()
        }
    }

    /// The same browser holding `cookie` instead (a forged or stolen one).
    pub fn with_cookie(&self, cookie: Option<&str>) -> Console {
        Console {
            cookie: cookie.map(str::to_string),
            ..self.clone()
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        self.try_send(req).await.expect("the store answers")
    }

    /// The answer, or the error of a connection the store cut (a body it refused unread).
    async fn try_send(&self, req: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
        let req = match &self.cookie {
            Some(c) => req.header(COOKIE, format!("{COOKIE_NAME}={c}")),
            None => req,
        };
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// A request with headers of the caller's choosing (a bearer token, a forged origin).
    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut req = self.http.request(
            method.parse().expect("an HTTP method"),
            format!("{}{path}", self.url),
        );
        for (n, v) in headers {
            req = req.header(*n, *v);
        }
        self.send(req).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.url)))
            .await
    }

    /// A form posted as the console's pages post it: the store's own origin, and the
    /// session's CSRF token added unless the fields carry one.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut fields: Vec<(String, String)> = fields
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        if self.cookie.is_some() && !fields.iter().any(|(n, _)| n == "csrf") {
            let csrf = self.csrf().await;
            fields.push(("csrf".into(), csrf));
        }
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (n, v) in &fields {
            body.append_pair(n, v);
        }
        self.post_raw(path, body.finish(), Some(&self.url)).await
    }

    /// A body posted as a form from `origin` (none: no `Origin` header).
    pub async fn post_raw(&self, path: &str, body: String, origin: Option<&str>) -> Answer {
        let mut req = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        self.send(req).await
    }

    /// A file posted as the import page posts it (`multipart/form-data`): the form's token
    /// first (this session's unless `csrf` says otherwise), then the file.
    pub async fn upload(
        &self,
        path: &str,
        file_name: &str,
        bytes: &[u8],
        csrf: Option<&str>,
    ) -> Answer {
        self.try_upload(path, file_name, bytes, csrf)
            .await
            .expect("the store answers")
    }

    /// [`Console::upload`], or the error of a connection the store cut before reading it
    /// all (a body over the route's limit may be answered 413 while it is still being sent).
    pub async fn try_upload(
        &self,
        path: &str,
        file_name: &str,
        bytes: &[u8],
        csrf: Option<&str>,
    ) -> Result<Answer, reqwest::Error> {
        self.try_upload_as(path, "file", file_name, bytes, csrf)
            .await
    }

    /// [`Console::try_upload`] with the file in the form field `field`.
    pub async fn try_upload_as(
        &self,
        path: &str,
        field: &str,
        file_name: &str,
        bytes: &[u8],
        csrf: Option<&str>,
    ) -> Result<Answer, reqwest::Error> {
        let token = match csrf {
            Some(t) => t.to_string(),
            None => self.csrf().await,
        };
        let boundary = "----intake-test-boundary-7d3f";
        let mut body = Vec::with_capacity(bytes.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = self
            .http
            .post(format!("{}{path}", self.url))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(ORIGIN, &self.url)
            .body(body);
        self.try_send(req).await
    }

    /// The CSRF token of this session's forms (read from the customers page's sign-out form).
    pub async fn csrf(&self) -> String {
        self.get("/console/customers")
            .await
            .csrf()
            .expect("a signed-in page carries the forms' token")
    }

    /// Signs in as `user`; on success keeps the session cookie.
    pub async fn sign_in(&mut self, user: &str, pin: &str) -> Answer {
        let answer = self
            .post("/console/sign-in", &[("user", user), ("pin", pin)])
            .await;
        if let Some(cookie) = answer
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix(&format!("{COOKIE_NAME}=")))
        {
            let value = cookie.split(';').next().unwrap_or("");
            self.cookie = Some(value.to_string()).filter(|v| !v.is_empty());
        }
        answer
    }
}
