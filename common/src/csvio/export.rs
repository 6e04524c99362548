//! Exporting customers in the studio layout (CSV or Excel), so that export → import
//! round-trips. Cells a spreadsheet would run as a formula are neutralised with a leading
//! apostrophe (which the importer removes again). Every export is audited.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use crate::db::ValueRef;
use serde::Serialize;
use uuid::Uuid;

use super::layout::{EXPORT_ONLY_COLUMNS, ID_COLUMN};
use crate::audit;
use crate::customer::{Field, MedicalCondition};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

/// What a cell may not start with, unescaped, in a file a spreadsheet will open.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet would read as a formula, with a leading `'` so it reads as text;
/// any other cell as it is. For every CSV Intake writes with text that came from outside.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    #[default]
    Csv,
    Xlsx,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "xlsx" | "excel" => Ok(Self::Xlsx),
            other => Err(format!("unknown export format {other:?}: use csv or xlsx")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// Column names to write, in order; all of them when empty.
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub customers: u64,
    pub columns: Vec<String>,
    pub medical: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Id,
    Field(Field),
    CreatedAt,
    UpdatedAt,
    Medical,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::Id => ID_COLUMN,
            Column::Field(f) => f.column(),
            Column::CreatedAt => EXPORT_ONLY_COLUMNS[0],
            Column::UpdatedAt => EXPORT_ONLY_COLUMNS[1],
            Column::Medical => EXPORT_ONLY_COLUMNS[2],
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Field(f) => f.db_column(),
            Column::CreatedAt => "created_at",
            Column::UpdatedAt => "updated_at",
            // Filled from the decrypted conditions; the query carries the id for it.
            Column::Medical => "id",
        }
    }
}

/// The columns an export can hold, in the order it writes them: the medical column last,
/// and only when `medical` (an export asks for it only with `medical:customer`).
pub fn column_names(medical: bool) -> Vec<&'static str> {
    all_columns(medical).into_iter().map(Column::name).collect()
}

/// The column of medical details, which takes `medical:customer`.
pub const MEDICAL_COLUMN: &str = EXPORT_ONLY_COLUMNS[2];

fn all_columns(medical: bool) -> Vec<Column> {
    let mut cols = vec![Column::Id];
    cols.extend(Field::ALL.map(Column::Field));
    cols.extend([Column::CreatedAt, Column::UpdatedAt]);
    if medical {
        cols.push(Column::Medical);
    }
    cols
}

fn choose_columns(actor: &Actor, requested: &[String]) -> Result<Vec<Column>> {
    let medical = actor.may(Permission::MedicalCustomer);
    if requested.is_empty() {
        return Ok(all_columns(medical));
    }
    let known = all_columns(true);
    requested
        .iter()
        .map(|name| {
            let col = known
                .iter()
                .find(|c| c.name().eq_ignore_ascii_case(name.trim()))
                .copied()
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "--columns: unknown column {name:?}; choose from {}",
                        known
                            .iter()
                            .map(|c| c.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            if col == Column::Medical {
                actor.require(Permission::MedicalCustomer)?;
            }
            Ok(col)
        })
        .collect()
}

/// Writes every customer to `out_path` (or to `stdout` when `None`, CSV only).
pub fn export(
    db: &Db,
    actor: &Actor,
    out_path: Option<&Path>,
    options: &ExportOptions,
) -> Result<ExportSummary> {
    let target = out_path.map_or_else(
        || "standard output".to_string(),
        |p| p.display().to_string(),
    );
    let span = tracing::info_span!("export", to = %target);
    let _enter = span.enter();
    let (columns, snapshot, names, medical) = begin(db, actor, options, &target)?;
    let count = match (options.format, out_path) {
        (ExportFormat::Csv, Some(path)) => crate::crypto::write_private_atomically(path, |file| {
            write_csv(
                snapshot,
                &columns,
                std::io::BufWriter::with_capacity(1 << 20, file),
            )
        })?,
        (ExportFormat::Csv, None) => write_csv(snapshot, &columns, std::io::stdout().lock())?,
        (ExportFormat::Xlsx, Some(path)) => {
            crate::crypto::write_private_atomically(path, |file| {
                write_xlsx(&snapshot, &columns, file, None)
            })?
        }
        (ExportFormat::Xlsx, None) => {
            return Err(Error::Invalid("an Excel export needs --out FILE".into()));
        }
    };
    tracing::info!(customers = count, "export written");
    Ok(ExportSummary {
        customers: count,
        columns: names,
        medical,
    })
}

/// Writes every customer as CSV into `out`, as it is made (no file on the way: the store
/// streams it to the client). `target` says where it goes, for the audit log.
pub fn export_to_writer(
    db: &Db,
    actor: &Actor,
    out: impl Write,
    options: &ExportOptions,
    target: &str,
) -> Result<ExportSummary> {
    if options.format != ExportFormat::Csv {
        return Err(Error::Invalid("a streamed export is CSV only".into()));
    }
    let span = tracing::info_span!("export", to = %target);
    let _enter = span.enter();
    let (columns, snapshot, names, medical) = begin(db, actor, options, target)?;
    let count = write_csv(snapshot, &columns, out)?;
    tracing::info!(customers = count, "export written");
    Ok(ExportSummary {
        customers: count,
        columns: names,
        medical,
    })
}

/// Writes every customer, CSV or Excel, into `file`, a file the caller made and sends on
/// once it is written: an Excel workbook is a zip archive finished only at its end, so it
/// cannot go out as it is made the way CSV does. The workbook's own scratch files (its rows
/// before they are zipped) go to `scratch` when given, so the caller decides where customer
/// data may rest. `target` says where the export goes, for the audit log.
pub fn export_to_file(
    db: &Db,
    actor: &Actor,
    file: &mut std::fs::File,
    options: &ExportOptions,
    target: &str,
    scratch: Option<&Path>,
) -> Result<ExportSummary> {
    let span = tracing::info_span!("export", to = %target);
    let _enter = span.enter();
    let (columns, snapshot, names, medical) = begin(db, actor, options, target)?;
    let count = match options.format {
        ExportFormat::Csv => write_csv(
            snapshot,
            &columns,
            std::io::BufWriter::with_capacity(1 << 20, file),
        )?,
        ExportFormat::Xlsx => write_xlsx(&snapshot, &columns, file, scratch)?,
    };
    tracing::info!(customers = count, "export written");
    Ok(ExportSummary {
        customers: count,
        columns: names,
        medical,
    })
}

/// The checks, the columns, the snapshot and the audit rows every export starts with.
fn begin(
    db: &Db,
    actor: &Actor,
    options: &ExportOptions,
    target: &str,
) -> Result<(Vec<Column>, Snapshot, Vec<String>, bool)> {
    actor.require(Permission::ExportCustomer)?;
    let columns = choose_columns(actor, &options.columns)?;
    let medical = columns.contains(&Column::Medical);
    let snapshot = Snapshot::take(db, medical)?;
    // Audited before a byte is written: an export that is interrupted was still an export.
    let names: Vec<String> = columns.iter().map(|c| c.name().to_string()).collect();
    let tx = db.conn().begin_read()?;
    audit::record(
        &tx,
        &actor.name,
        "customer.export",
        None,
        &format!("export to {target}; columns: {}", names.join(",")),
    )?;
    for customer in snapshot.medical.keys() {
        audit::record(
            &tx,
            &actor.name,
            "medical.export",
            Some(*customer),
            &format!("medical details exported to {target}"),
        )?;
    }
    tx.commit()?;
    Ok((columns, snapshot, names, medical))
}

/// Decrypted medical conditions per customer, as one cell of text each.
fn load_medical(db: &Db) -> Result<HashMap<Uuid, String>> {
    let mut stmt = db
        .conn()
        .prepare("SELECT id, customer_id, sealed FROM medical_conditions ORDER BY customer_id, created_at, id")?;
    let mut rows = stmt.query([])?;
    let mut out: HashMap<Uuid, String> = HashMap::new();
    while let Some(row) = rows.next()? {
        let id: Uuid = row.get(0)?;
        let customer: Uuid = row.get(1)?;
        let sealed: Vec<u8> = row.get(2)?;
        let c: MedicalCondition = db.sealer().open_json(id.as_bytes(), &sealed)?;
        let text = match &c.details {
            Some(d) => format!("{}: {} ({d})", c.kind, c.name),
            None => format!("{}: {}", c.kind, c.name),
        };
        let cell = out.entry(customer).or_default();
        if !cell.is_empty() {
            cell.push_str("; ");
        }
        cell.push_str(&text);
    }
    Ok(out)
}

fn select(columns: &[Column]) -> String {
    let cols: Vec<&str> = columns.iter().map(|c| c.sql()).collect();
    // Insertion order: oldest first for everything made here, without sorting the table.
    format!("SELECT {} FROM customers ORDER BY rowid", cols.join(", "))
}

/// Rows per chunk of a parallel CSV export.
const CHUNK_ROWS: i64 = 8192;
/// Workers formatting chunks: this appliance class has two cores.
const WORKERS: i64 = 2;

/// One consistent view of the customers for an export: read connections that all started
/// their read transactions while the write lock was held (so no commit lands between them),
/// the rowid range, and the medical column decrypted from that same state.
struct Snapshot {
    readers: Vec<crate::db::Connection>,
    range: Option<(i64, i64)>,
    medical: HashMap<Uuid, String>,
}

impl Snapshot {
    fn take(db: &Db, medical: bool) -> Result<Self> {
        let lock = db.conn().begin_write()?;
        let (first, last): (Option<i64>, Option<i64>) =
            lock.query_row("SELECT min(rowid), max(rowid) FROM customers", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let medical = if medical {
            load_medical(db)?
        } else {
            HashMap::new()
        };
        let readers = db.pinned_readers(&lock, WORKERS as usize)?;
        lock.rollback()?;
        Ok(Self {
            readers,
            range: first.zip(last),
            medical,
        })
    }
}

/// Writes the CSV: the snapshot's readers turn alternating rowid ranges into CSV bytes on
/// worker threads; this thread writes the chunks out in order.
fn write_csv(snapshot: Snapshot, columns: &[Column], mut out: impl Write) -> Result<u64> {
    let io_err = Error::ExportWrite;
    let mut header = csv::WriterBuilder::new().from_writer(Vec::new());
    header
        .write_record(columns.iter().map(|c| c.name()))
        .map_err(|e| Error::Export(e.to_string()))?;
    out.write_all(
        &header
            .into_inner()
            .map_err(|e| Error::Export(e.to_string()))?,
    )
    .map_err(io_err)?;
    let Some((first, last)) = snapshot.range else {
        out.flush().map_err(io_err)?;
        return Ok(0);
    };
    let chunks = (last - first) / CHUNK_ROWS + 1;
    let sql = select_range(columns);
    let medical = &snapshot.medical;
    let readers = snapshot.readers;

    std::thread::scope(|scope| -> Result<u64> {
        let mut receivers = Vec::new();
        for (w, conn) in readers.into_iter().enumerate() {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(u64, Vec<u8>)>>(4);
            receivers.push(rx);
            let sql = sql.as_str();
            scope.spawn(move || {
                let mut chunk = w as i64;
                while chunk < chunks {
                    let lo = first + chunk * CHUNK_ROWS;
                    let result = format_chunk(&conn, sql, columns, medical, lo, lo + CHUNK_ROWS);
                    let failed = result.is_err();
                    if tx.send(result).is_err() || failed {
                        return;
                    }
                    chunk += WORKERS;
                }
            });
        }
        let mut n = 0u64;
        for chunk in 0..chunks {
            let rx = &receivers[(chunk % WORKERS) as usize];
            let (rows, bytes) = rx
                .recv()
                .map_err(|_| Error::Export("an export worker stopped".into()))??;
            out.write_all(&bytes).map_err(io_err)?;
            n += rows;
        }
        out.flush().map_err(io_err)?;
        Ok(n)
    })
}

fn select_range(columns: &[Column]) -> String {
    let cols: Vec<&str> = columns.iter().map(|c| c.sql()).collect();
    format!(
        "SELECT {} FROM customers WHERE rowid >= ?1 AND rowid < ?2 ORDER BY rowid",
        cols.join(", ")
    )
}

/// The text of one exported cell, before a format escapes it: ids written out, the medical
/// column from the decrypted conditions, text as stored, anything else empty.
fn cell_text<'a>(
    column: Column,
    value: ValueRef<'a>,
    medical: &'a HashMap<Uuid, String>,
    uuid_buf: &'a mut [u8],
) -> Result<&'a [u8]> {
    let id = |b: &[u8]| Uuid::from_slice(b).map_err(|e| Error::Export(e.to_string()));
    Ok(match (column, value) {
        (Column::Id, ValueRef::Blob(b)) => id(b)?.hyphenated().encode_lower(uuid_buf).as_bytes(),
        (Column::Medical, ValueRef::Blob(b)) => {
            medical.get(&id(b)?).map_or(&b""[..], |t| t.as_bytes())
        }
        (_, ValueRef::Text(t)) => t,
        _ => b"",
    })
}

/// The CSV lines for the customers with rowids in `lo..hi`.
fn format_chunk(
    conn: &crate::db::Connection,
    sql: &str,
    columns: &[Column],
    medical: &HashMap<Uuid, String>,
    lo: i64,
    hi: i64,
) -> Result<(u64, Vec<u8>)> {
    let csv_err = |e: csv::Error| Error::Export(e.to_string());
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(CHUNK_ROWS as usize * 160));
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([lo, hi])?;
    let mut n = 0u64;
    let mut uuid_buf = Uuid::encode_buffer();
    let mut cell = Vec::with_capacity(256);
    while let Some(row) = rows.next()? {
        for (i, col) in columns.iter().enumerate() {
            let text = cell_text(*col, row.get_ref(i)?, medical, &mut uuid_buf)?;
            if text
                .first()
                .is_some_and(|b| FORMULA_STARTS.iter().any(|c| *c as u8 == *b))
            {
                cell.clear();
                cell.push(b'\'');
                cell.extend_from_slice(text);
                w.write_field(&cell).map_err(csv_err)?;
            } else {
                w.write_field(text).map_err(csv_err)?;
            }
        }
        w.write_record(None::<&[u8]>).map_err(csv_err)?;
        n += 1;
    }
    let bytes = w.into_inner().map_err(|e| Error::Export(e.to_string()))?;
    Ok((n, bytes))
}

fn write_xlsx(
    snapshot: &Snapshot,
    columns: &[Column],
    file: &mut std::fs::File,
    scratch: Option<&Path>,
) -> Result<u64> {
    let medical = &snapshot.medical;
    let conn = snapshot
        .readers
        .first()
        .ok_or_else(|| Error::Export("no reader for the export".into()))?;
    use rust_xlsxwriter::{Format, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| Error::Export(e.to_string());
    let mut workbook = Workbook::new();
    if let Some(dir) = scratch {
        workbook.set_tempdir(dir).map_err(xl)?;
    }
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(xl)?;
    sheet.set_name("Customers").map_err(xl)?;
    let bold = Format::new().set_bold();
    for (c, col) in columns.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, col.name(), &bold)
            .map_err(xl)?;
    }
    let mut stmt = conn.prepare(&select(columns))?;
    let mut rows = stmt.query([])?;
    let mut n = 0u32;
    let mut uuid_buf = Uuid::encode_buffer();
    while let Some(row) = rows.next()? {
        n += 1;
        if n >= 1_048_576 {
            return Err(Error::Export(
                "an Excel sheet holds at most 1,048,575 customers; export CSV instead".into(),
            ));
        }
        for (c, col) in columns.iter().enumerate() {
            let text = cell_text(*col, row.get_ref(c)?, medical, &mut uuid_buf)?;
            if text.is_empty() {
                continue;
            }
            // Strings are stored as strings: Excel never evaluates them as formulas.
            sheet
                .write_string(n, c as u16, String::from_utf8_lossy(text))
                .map_err(xl)?;
        }
    }
    workbook
        .save_to_writer(std::io::BufWriter::new(file))
        .map_err(xl)?;
    Ok(u64::from(n))
}
