//! Importing customers from CSV.
//!
//! A parser thread decodes, validates and normalises rows and hands them in batches to the
//! database thread, which matches each against stored customers (by `Id`, then e-mail,
//! then phone) and creates or updates it. The whole file is one transaction: a file that
//! cannot be used changes nothing, and a bad row is reported and skipped.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::db::{OptionalExtension, Transaction};
use uuid::Uuid;

use super::FileError;
use super::header::{self, malformed};
use super::layout::{Ask, Format, Layout, Target};
use super::lines::{LineCounter, Lines};
use super::matcher::{self, Key, Lookup, Matcher};
use super::{decode, describe::ColumnUse};
use crate::audit;
use crate::crypto::Sealer;
use crate::customer::{Field, MatchKeys, Profile};
use crate::customers::{PROFILE_COLUMNS, profile_from_row};
use crate::db::{Db, resolve_customer};
use crate::error::Result;
use crate::mutation::{Mutation, Op, insert_customer_keyed, record_id, update_customer};
use crate::normalize::{DateFormat, DateGuess, Region, birthdate_in_range, guess_date};
use crate::users::{Actor, Permission};

mod parse;
mod report;
use parse::*;
pub use report::{ImportReport, RowError};

/// How many row errors a report keeps; `failed` counts them all.
pub const MAX_REPORTED_ERRORS: usize = 1000;
const BATCH: usize = 512;
/// From this file size on (about 15,000 rows) an import matches in memory and rebuilds the
/// customer indexes at the end instead of updating them row by row.
pub const BULK_MIN_BYTES: u64 = 2 << 20;
/// SQLite page cache for an import, in KiB (negative, as `PRAGMA cache_size` takes it).
const IMPORT_CACHE_KIB: i64 = -64_000;

/// Called with the number of bytes read so far.
pub type Progress = Box<dyn Fn(u64) + Send>;

#[derive(Default)]
pub struct ImportOptions {
    pub format: Option<Format>,
    /// `(their column, our field)` pairs.
    pub map: Vec<(String, String)>,
    /// Every column's target by its place, as the console's mapping form chose them.
    pub chosen: Option<Vec<Option<Target>>>,
    pub date_format: Option<DateFormat>,
    /// Where the file's phone numbers without a country code belong, when not the shop's
    /// region (a list from a branch in another country). Such numbers are stored in
    /// international form.
    pub region: Option<Region>,
    /// Columns that fit no field go to the customer's notes, a `Column: value` line each
    /// (never history, payment or identity columns).
    pub extra_to_notes: bool,
    pub dry_run: bool,
    pub progress: Option<Progress>,
    /// Match in memory and rebuild the indexes at the end; by default, for files of
    /// [`BULK_MIN_BYTES`] or more.
    pub bulk: Option<bool>,
}

impl std::fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("format", &self.format)
            .field("map", &self.map)
            .field("date_format", &self.date_format)
            .field("region", &self.region)
            .field("extra_to_notes", &self.extra_to_notes)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

/// A validated row, ready to be matched and stored.
struct Candidate {
    line: u64,
    id: Option<Uuid>,
    profile: Profile,
    /// Worked out on the parser thread, off the database's critical path.
    keys: MatchKeys,
    /// `Column: value` lines for the notes, added to what the notes hold (the row's own
    /// notes column, else the stored notes), each once.
    note_lines: Vec<String>,
}

// Rows travel in batches (one allocation per batch); boxing each would add one per row.
#[allow(clippy::large_enum_variant)]
enum Parsed {
    Row(Candidate),
    Failed(Vec<RowError>),
    /// No profile information in the row.
    Skipped,
}

enum Batch {
    Rows(Vec<Parsed>),
    Fatal(FileError),
    /// The whole file was read. Without it nothing is committed.
    Done,
}

/// Imports `path` as `actor` (who needs `import:customer`).
pub fn import(
    db: &mut Db,
    actor: &Actor,
    path: &Path,
    options: ImportOptions,
) -> Result<ImportReport> {
    actor.require(Permission::ImportCustomer)?;
    let queue = on_device(db, path)?;
    super::layout::check_header_length(path)?;
    let (reader, len) = decode::open(path)?;
    let bulk = options.bulk.unwrap_or(len >= BULK_MIN_BYTES);
    let (reader, lines) = LineCounter::new(reader);
    let mut csv = header::reader(Box::new(reader) as Box<dyn std::io::Read + Send>);
    let layout = header::read_layout(
        &mut csv,
        &lines,
        path,
        Ask {
            format: options.format,
            map: &options.map,
            chosen: options.chosen.as_deref(),
            extra_to_notes: options.extra_to_notes,
        },
    )?;
    let mut report = ImportReport {
        ignored_columns: layout.ignored(),
        format: layout.format.to_string(),
        app: layout.format.preset().map(|p| p.app.to_string()),
        recognised: layout.recognised,
        columns: ColumnUse::of(&layout),
        header_line: layout.header_line,
        dry_run: options.dry_run,
        ..Default::default()
    };
    let span = tracing::info_span!("import", path = %path.display(), format = %layout.format);
    let _enter = span.enter();

    let (tx_batches, rx_batches) = sync_channel::<Batch>(8);
    let home = crate::phone_keys::region(db.conn())?;
    let parser = Parser {
        region: options.region.unwrap_or(home),
        home,
        path: path.to_path_buf(),
        layout: layout.clone(),
        date_order: options.date_format.clone().or_else(|| layout.date_order()),
        today: chrono::Utc::now().date_naive(),
        lines,
    };
    let progress = options.progress;
    let handle = std::thread::Builder::new()
        .name("csv-parse".into())
        .spawn(move || parser.run(csv, tx_batches, progress))
        .map_err(|e| crate::Error::io(path, e))?;

    import_settings(db, bulk, true)?;
    let result = store_rows(
        db,
        actor,
        path,
        &layout,
        rx_batches,
        &mut report,
        options.dry_run,
        bulk,
        queue,
    );
    let restored = import_settings(db, bulk, false);
    // The parser stops on its own once the channel is dropped. A panic there was already
    // turned into an error above (no `Done`), before anything was committed.
    if handle.join().is_err() && result.is_ok() {
        tracing::error!("the CSV parser thread panicked after finishing the file");
    }
    result?;
    restored?;
    tracing::info!(
        created = report.created,
        updated = report.updated,
        failed = report.failed,
        "import finished"
    );
    Ok(report)
}

/// On a paired device, whether its rows go to the outbox (a counter: they do, as the
/// creates and updates the store applies); refused where the store would not take them,
/// and on a lobby kiosk, which holds no customers to match rows against.
pub fn on_device(db: &Db, path: &Path) -> Result<bool> {
    use crate::sync::{DeviceRole, paired};
    let Some(device) = paired::paired(db.conn())? else {
        return Ok(false);
    };
    let what = "customers are imported";
    if device.role == DeviceRole::Kiosk {
        tracing::info!(path = %path.display(), "import refused on a kiosk");
        return Err(paired::store_only(&device, what));
    }
    let probe = [
        Op::CreateCustomer {
            customer: Uuid::nil(),
            profile: Profile::default(),
        },
        Op::UpdateCustomer {
            customer: Uuid::nil(),
            changes: BTreeMap::new(),
        },
    ];
    for op in &probe {
        paired::queue_or_refuse(db.conn(), op, what)?;
    }
    Ok(true)
}

/// The connection's settings for an import (`on`) or back to ordinary work: a bigger page
/// cache; for a bulk import, index rebuilds sorted in a temporary file (not in memory) with
/// a helper thread. Only settable outside a transaction.
fn import_settings(db: &Db, bulk: bool, on: bool) -> Result<()> {
    let Some(conn) = db.conn().sqlite() else {
        return Ok(());
    };
    let cache = if on {
        IMPORT_CACHE_KIB
    } else {
        crate::db::CACHE_KIB
    };
    conn.pragma_update(None, "cache_size", cache)?;
    if bulk {
        conn.pragma_update(None, "temp_store", if on { "FILE" } else { "MEMORY" })?;
        conn.pragma_update(None, "threads", if on { 2 } else { 0 })?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn store_rows(
    db: &mut Db,
    actor: &Actor,
    path: &Path,
    layout: &Layout,
    batches: Receiver<Batch>,
    report: &mut ImportReport,
    dry_run: bool,
    bulk: bool,
    queue: bool,
) -> Result<()> {
    let (tx, sealer) = db.write_sealed()?;
    let now = chrono::Utc::now();
    let at = crate::time::format(now);
    // The import is one mutation: replaying the file finds every row unchanged.
    let mutation = Uuid::now_v7();
    record_id(&tx, mutation, "import_customers", &at)?;
    let first_seq = crate::db::change_seq(&tx)?;
    let (matcher, dropped_indexes) = if bulk {
        let dropped = matcher::drop_secondary_indexes(&tx)?;
        let matcher = Matcher::in_memory(&tx)?;
        tracing::debug!("keys loaded");
        (matcher, dropped)
    } else {
        (Matcher::Indexed, Vec::new())
    };
    let mut store = RowStore {
        tx: &tx,
        at: &at,
        layout,
        mutation,
        seq: first_seq,
        matcher,
        outbox: queue.then(|| Outbox {
            sealer,
            actor: &actor.name,
            at: now,
            queued: 0,
        }),
    };
    let mut finished = false;
    for batch in batches {
        match batch {
            Batch::Fatal(e) => return Err(e.into()),
            Batch::Done => {
                finished = true;
                break;
            }
            Batch::Rows(rows) => {
                for parsed in rows {
                    match parsed {
                        Parsed::Failed(errors) => report.fail(errors),
                        Parsed::Skipped => report.skipped += 1,
                        Parsed::Row(c) => match store.upsert(&c)? {
                            Outcome::Created => report.created += 1,
                            Outcome::Updated => report.updated += 1,
                            Outcome::Unchanged => report.unchanged += 1,
                            Outcome::Rejected(e) => report.fail(vec![e]),
                        },
                    }
                }
            }
        }
    }
    if !finished {
        // The parser stopped without finishing the file (it panicked): commit nothing.
        return Err(crate::Error::Invalid(format!(
            "{}: reading the file stopped unexpectedly; nothing was imported",
            path.display()
        )));
    }
    let last_seq = store.seq;
    let queued = store.outbox.as_ref().map(|o| o.queued);
    drop(store);
    if let Some(queued) = queued {
        tracing::info!(queued, "import queued for the store");
    }
    tracing::debug!("rows stored");
    matcher::restore_indexes(&tx, &dropped_indexes)?;
    tracing::debug!(indexes = dropped_indexes.len(), "indexes rebuilt");
    crate::db::set_change_seq(&tx, last_seq)?;
    audit::record(
        &tx,
        &actor.name,
        "customer.import",
        None,
        &format!(
            "{}{}: {} created, {} updated, {} unchanged, {} failed",
            if dry_run { "dry run of " } else { "" },
            path.display(),
            report.created,
            report.updated,
            report.unchanged,
            report.failed
        ),
    )?;
    if dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    tracing::debug!("committed");
    Ok(())
}

/// The stored customer a row identifies, and whether by its `Id` (trusted) or by a shared
/// e-mail or phone (checked to be the same person).
struct Found {
    rowid: i64,
    by_id: bool,
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
    Rejected(RowError),
}

struct RowStore<'a> {
    tx: &'a Transaction<'a>,
    at: &'a str,
    layout: &'a Layout,
    mutation: Uuid,
    /// The change sequence, advanced in memory and written once at the end.
    seq: i64,
    matcher: Matcher,
    /// On a paired device: each row's change also becomes a mutation in the outbox.
    outbox: Option<Outbox<'a>>,
}

/// Where a device's import queues its rows for the store.
struct Outbox<'a> {
    sealer: &'a Sealer,
    actor: &'a str,
    at: chrono::DateTime<chrono::Utc>,
    queued: u64,
}

impl Outbox<'_> {
    /// Records `op` as a mutation applied here and queues it; returns its id.
    fn queue(&mut self, tx: &Transaction<'_>, op: Op) -> Result<Uuid> {
        let m = Mutation {
            id: Uuid::now_v7(),
            at: self.at,
            actor: self.actor.to_string(),
            op,
        };
        record_id(tx, m.id, m.op.kind(), &crate::time::format(self.at))?;
        crate::sync::paired::queue(tx, self.sealer, &m)?;
        self.queued += 1;
        Ok(m.id)
    }
}

impl RowStore<'_> {
    fn upsert(&mut self, c: &Candidate) -> Result<Outcome> {
        let existing = match self.find(c)? {
            Ok(found) => found,
            Err(e) => return Ok(Outcome::Rejected(e)),
        };
        let Some(Found { rowid, by_id }) = existing else {
            let id = match c.id {
                // An Id from another store's export keeps its identity here.
                Some(id) if resolve_customer(self.tx, id)? == id => id,
                _ => Uuid::now_v7(),
            };
            let profile = match with_note_lines(c, None) {
                Ok(p) => p,
                Err(e) => return Ok(Outcome::Rejected(e)),
            };
            self.seq += 1;
            let rowid = insert_customer_keyed(self.tx, id, &profile, &c.keys, self.at, self.seq)?;
            if let Some(outbox) = &mut self.outbox {
                outbox.queue(
                    self.tx,
                    Op::CreateCustomer {
                        customer: id,
                        profile: profile.into_owned(),
                    },
                )?;
            }
            self.remember(&c.keys, rowid);
            return Ok(Outcome::Created);
        };
        let (id, current): (Uuid, Profile) = self
            .tx
            .prepare_cached(&format!(
                "SELECT id, {} FROM customers WHERE rowid = ?1",
                *PROFILE_COLUMNS
            ))?
            .query_row([rowid], |r| Ok((r.get(0)?, profile_from_row(r, 1)?)))?;
        // A shared phone or e-mail (a parent's, for a child) must not turn one person into
        // another. (A matched `Id` is trusted: the row is that customer.)
        if !by_id && different_person(&current, &c.profile) {
            let who = |p: &Profile| match p.get(Field::Birthdate) {
                Some(born) => format!("{} (born {born})", p.display_name()),
                None => p.display_name(),
            };
            return Ok(Outcome::Rejected(RowError {
                line: c.line,
                column: self.key_columns(),
                message: format!(
                    "the e-mail or phone belongs to {}, but this row is {}: give them their own e-mail or phone, or leave those empty",
                    who(&current),
                    who(&c.profile)
                ),
            }));
        }
        let profile = match with_note_lines(c, Some(&current)) {
            Ok(p) => p,
            Err(e) => return Ok(Outcome::Rejected(e)),
        };
        // Empty cells keep what is stored.
        let changes: BTreeMap<Field, Option<String>> = profile
            .iter()
            .filter_map(|(f, v)| v.map(|v| (f, v)))
            .filter(|(f, v)| current.get(*f) != Some(*v))
            .map(|(f, v)| (f, Some(v.to_string())))
            .collect();
        if changes.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        self.seq += 1;
        // On a device the row's own mutation sets the fields' versions, as it will on the
        // store.
        let version = match &mut self.outbox {
            Some(outbox) => outbox.queue(
                self.tx,
                Op::UpdateCustomer {
                    customer: id,
                    changes: changes.clone(),
                },
            )?,
            None => self.mutation,
        };
        if !update_customer(self.tx, id, &changes, version, self.seq)? {
            // Every change lost to a newer edit of the same field.
            return Ok(Outcome::Unchanged);
        }
        self.remember(&c.keys, rowid);
        Ok(Outcome::Updated)
    }

    /// The file's names for the columns customers are matched by, for row errors.
    fn key_columns(&self) -> String {
        format!(
            "{}, {}",
            self.layout.column_name(Field::Email),
            self.layout.column_name(Field::PhoneNumber)
        )
    }

    fn remember(&mut self, keys: &MatchKeys, rowid: i64) {
        self.matcher
            .remember(Key::Email, keys.email.as_deref(), rowid);
        self.matcher
            .remember(Key::Phone, keys.phone.as_deref(), rowid);
    }

    /// The stored customer (by rowid) this row identifies, if any, or why the row cannot be placed.
    fn find(&mut self, c: &Candidate) -> Result<Result<Option<Found>, RowError>> {
        if let Some(id) = c.id {
            let resolved = resolve_customer(self.tx, id)?;
            let rowid: Option<i64> = self
                .tx
                .prepare_cached("SELECT rowid FROM customers WHERE id = ?1")?
                .query_row([resolved], |r| r.get(0))
                .optional()?;
            if let Some(rowid) = rowid {
                return Ok(Ok(Some(Found { rowid, by_id: true })));
            }
        }
        let by_email = self
            .matcher
            .lookup(self.tx, Key::Email, c.keys.email.as_deref())?;
        let by_phone = self
            .matcher
            .lookup(self.tx, Key::Phone, c.keys.phone.as_deref())?;
        let found = match (by_email, by_phone) {
            (Lookup::Many, _) => Err(format!(
                "{} matches more than one customer; merge them first",
                c.profile.get(Field::Email).unwrap_or_default()
            )),
            (Lookup::None, Lookup::Many) => Err(format!(
                "{} matches more than one customer; merge them first",
                c.profile.get(Field::PhoneNumber).unwrap_or_default()
            )),
            (Lookup::One(a), Lookup::One(b)) if a != b => {
                let id_of = |rowid: i64| -> Result<Uuid> {
                    Ok(self
                        .tx
                        .prepare_cached("SELECT id FROM customers WHERE rowid = ?1")?
                        .query_row([rowid], |r| r.get(0))?)
                };
                Err(format!(
                    "the e-mail identifies one customer ({}) and the phone another ({}); fix the row or merge them first",
                    id_of(a)?,
                    id_of(b)?
                ))
            }
            (Lookup::One(rowid), _) | (Lookup::None, Lookup::One(rowid)) => Ok(Some(Found {
                rowid,
                by_id: false,
            })),
            (Lookup::None, Lookup::None) => Ok(None),
        };
        Ok(found.map_err(|message| RowError {
            line: c.line,
            column: self.key_columns(),
            message,
        }))
    }
}

/// The row's profile with its note lines added to the notes it will have: its own notes
/// column's, else the stored ones (`stored`, for a customer matched), so that a list's
/// extra columns never wipe what staff wrote. A line the notes hold already is not added
/// again: importing the same file twice changes nothing.
fn with_note_lines<'c>(
    c: &'c Candidate,
    stored: Option<&Profile>,
) -> std::result::Result<Cow<'c, Profile>, RowError> {
    if c.note_lines.is_empty() {
        return Ok(Cow::Borrowed(&c.profile));
    }
    let base = c
        .profile
        .get(Field::Notes)
        .or_else(|| stored.and_then(|s| s.get(Field::Notes)))
        .unwrap_or_default();
    let mut notes = base.to_string();
    for line in &c.note_lines {
        if !base.lines().any(|l| l == line) {
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(line);
        }
    }
    let value = Field::Notes
        .parse(&notes, Region::default())
        .map_err(|m| RowError {
            line: c.line,
            column: Field::Notes.column().into(),
            message: format!("with the columns kept in the notes, the notes {m}"),
        })?;
    let mut profile = c.profile.clone();
    profile.set_str(Field::Notes, value.as_deref());
    Ok(Cow::Owned(profile))
}

/// Whether two profiles matched by a shared key are different people: their first names
/// differ, and no equal birthdate on both sides says it is one person with a corrected name.
fn different_person(stored: &Profile, row: &Profile) -> bool {
    let names_differ = match (stored.get(Field::FirstName), row.get(Field::FirstName)) {
        (Some(a), Some(b)) => crate::normalize::name_key(a) != crate::normalize::name_key(b),
        _ => false,
    };
    let same_birthdate = matches!(
        (stored.get(Field::Birthdate), row.get(Field::Birthdate)),
        (Some(a), Some(b)) if a == b
    );
    names_differ && !same_birthdate
}
