//! A customer's signed releases: listed with their date, template and language, and opened
//! as the signed PDF in the system's document viewer, as staff open any other document.
//!
//! The PDF holds the health answers, so opening one needs `medical:customer` and is
//! audited ([`release::open`]). It is written readable by its owner only, into a folder
//! only the owner can enter (the session's runtime folder, kept in memory, when there is
//! one), and every file written is deleted when staff sign out or are signed out.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use iced::widget::{column, row, text};
use iced::{Alignment, Element};
use intake_common::release::{self, Summary, pdf};
use intake_common::{Actor, Db, Error, Permission};
use uuid::Uuid;

use super::customer::Open;
use super::widgets::{local_date_time, small_action};
use super::words::{CounterMsg, Words, v};
use super::{Counter, Message, Notice};
use crate::theme;

/// Where release PDFs are written, and the program that shows them.
#[derive(Debug)]
pub struct Viewer {
    dir: PathBuf,
    /// `None`: write the file and say where, open nothing.
    program: Option<OsString>,
    written: Vec<PathBuf>,
}

impl Viewer {
    /// The system's viewer (`xdg-open`, `open` on macOS) and a private folder in the
    /// session's runtime folder, or else in the temporary folder.
    pub fn system() -> Self {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|d| d.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let program = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        Self::new(base.join("intake-releases"), Some(program.into()))
    }

    pub fn new(dir: PathBuf, program: Option<OsString>) -> Self {
        Self {
            dir,
            program,
            written: Vec::new(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Deletes every PDF written so far.
    pub fn remove_written(&mut self) {
        for path in self.written.drain(..) {
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(file = %path.display(), error = %e, "cannot delete a release PDF");
            }
        }
    }

    /// Hands `path` to the viewer, without waiting for it.
    fn show(&self, path: &Path) -> Result<(), Error> {
        let Some(program) = &self.program else {
            return Ok(());
        };
        let mut child = std::process::Command::new(program)
            .arg(path)
            .stdin(std::process::Stdio::null())
            .spawn()
            .map_err(|e| io_error(Path::new(program), e))?;
        // Reaped in the background: the viewer may stay open as long as staff like.
        std::thread::spawn(move || child.wait());
        Ok(())
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.remove_written();
    }
}

/// Renders release `id` as its signed PDF into `dir` (made 0700 if missing), as
/// `release-<id>.pdf` readable by its owner only. Needs `medical:customer`; audited.
pub fn write_pdf(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    shop_name: &str,
    logo: Option<&[u8]>,
    tr: &intake_common::i18n::Tr,
    dir: &Path,
) -> Result<PathBuf, Error> {
    let content = release::open(db, actor, id)?;
    // In the language it was signed in, frame and all.
    let bytes = pdf::render(&content, shop_name, logo, tr)?;
    private_dir(dir)?;
    let path = dir.join(format!("release-{id}.pdf"));
    // A copy left from an earlier opening is replaced, never written through.
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&path, e)),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(|e| io_error(&path, e))?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(&path, e))?;
    Ok(path)
}

fn private_dir(dir: &Path) -> Result<(), Error> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io_error(dir, e))
}

impl Counter {
    pub(super) fn open_release(&mut self, id: Uuid) {
        let Some(actor) = self.actor.clone() else {
            return;
        };
        let written = write_pdf(
            &self.db,
            &actor,
            id,
            &self.shop.name,
            self.shop.logo.as_deref(),
            &self.shop.tr,
            self.pdf.dir(),
        );
        let path = match written {
            Ok(p) => p,
            Err(e) => return self.problem(&e),
        };
        tracing::info!(release = %id, file = %path.display(), "release PDF written for the viewer");
        self.pdf.written.push(path.clone());
        self.notice = Some(match (&self.pdf.program, self.pdf.show(&path)) {
            (_, Err(e)) => return self.problem(&e),
            (Some(_), Ok(())) => Notice::done(CounterMsg::ReleaseOpened),
            (None, Ok(())) => {
                Notice::done(CounterMsg::ReleaseSaved).with(path.display().to_string())
            }
        });
    }

    pub(super) fn releases_view<'a>(
        &'a self,
        w: Words<'a>,
        o: &'a Open,
    ) -> iced::widget::Column<'a, Message> {
        let mut list = column![text(w.get(CounterMsg::Releases)).size(theme::BODY_SIZE)].spacing(8);
        if o.releases.is_empty() {
            list = list.push(
                text(w.get(CounterMsg::NoReleases))
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted),
            );
        }
        let may_open = self
            .actor
            .as_ref()
            .is_some_and(|a| a.may(Permission::MedicalCustomer));
        for (s, facts) in &o.releases {
            list = list.push(release_line(w, s, facts.as_ref(), may_open));
        }
        list
    }
}

fn release_line<'a>(
    w: Words<'a>,
    s: &'a Summary,
    facts: Option<&'a release::Facts>,
    may_open: bool,
) -> Element<'a, Message> {
    let language = facts.map_or("—", |f| f.language.native_name());
    let line = w.with(
        CounterMsg::ReleaseLine,
        &[
            v(local_date_time(&s.signed_at)),
            v(format!("{} v{}", s.template_id, s.template_version)),
            v(language),
        ],
    );
    let mut words = column![text(line).size(theme::LABEL_SIZE)];
    if facts.is_none() {
        words = words.push(
            text(w.get(CounterMsg::ReleaseElsewhere))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
        );
    }
    // Disabled when the release is not on this computer or the user may not read it.
    let open = (may_open && facts.is_some()).then_some(Message::OpenRelease(s.id));
    row![
        words.width(iced::Fill),
        small_action(w.get(CounterMsg::OpenRelease), open).style(theme::secondary),
    ]
    .spacing(8)
    .align_y(Alignment::Center)
    .into()
}

fn io_error(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
    Error::Io {
        path: path.into(),
        source,
    }
}
