//! Exporting customers: CSV or an Excel workbook, the columns chosen, made by the one
//! exporter the command line and the API use (`intake_common::csvio`), so the columns, the
//! medical rules and the audit entries are theirs. The medical column is offered, and taken,
//! only with `medical:customer`.

use axum::http::StatusCode;
use intake_common::Permission;
use intake_common::csvio::export::{MEDICAL_COLUMN, column_names};
use intake_common::csvio::layout::{EXPORT_ONLY_COLUMNS, ID_COLUMN};
use intake_common::csvio::{ExportFormat, ExportOptions};
use intake_common::customer::Field;
use maud::html;

use super::super::error::{ApiError, ApiResult};
use super::super::files;
use super::words::{Msg, Words};
use super::{Page, Posted, Staff};

/// What the audit log says an export from these pages went to.
const TARGET: &str = "the staff console";

/// A column's label on the form.
fn label(name: &str) -> Msg {
    match Field::from_column(name) {
        Some(f) => Msg::field(f),
        None if name == ID_COLUMN => Msg::ColumnId,
        None if name == EXPORT_ONLY_COLUMNS[0] => Msg::Added,
        None if name == MEDICAL_COLUMN => Msg::MedicalColumn,
        None => Msg::ColumnUpdated,
    }
}

/// `GET /console/export`: the form.
pub async fn export_page(staff: Staff) -> Page {
    let w = staff.words();
    let title = w.get(Msg::Export);
    let body = html! {
        h1 { (title) }
        p { (w.get(Msg::ExportIntro)) }
        form.export method="post" action="/console/export" {
            input type="hidden" name="csrf" value=(staff.csrf);
            fieldset {
                legend { (w.get(Msg::Format)) }
                div.check {
                    input #format-csv type="radio" name="format" value="csv" checked;
                    label for="format-csv" { (w.get(Msg::FormatCsv)) }
                }
                div.check {
                    input #format-xlsx type="radio" name="format" value="xlsx";
                    label for="format-xlsx" { (w.get(Msg::FormatXlsx)) }
                }
            }
            fieldset {
                legend { (w.get(Msg::ExportColumns)) }
                @for name in column_names(false) {
                    div.check {
                        input type="checkbox" name="column" value=(name) id={ "col-" (name) } checked;
                        label for={ "col-" (name) } { (w.get(label(name))) }
                    }
                }
            }
            @if staff.may(Permission::MedicalCustomer) {
                fieldset {
                    legend { (w.get(Msg::Medical)) }
                    div.check {
                        input type="checkbox" name="column" value=(MEDICAL_COLUMN)
                            id={ "col-" (MEDICAL_COLUMN) };
                        label for={ "col-" (MEDICAL_COLUMN) } { (w.get(label(MEDICAL_COLUMN))) }
                    }
                }
            }
            button type="submit" { (w.get(Msg::Download)) }
        }
    };
    staff.page(StatusCode::OK, &title, body)
}

/// What a post asks for, checked: the format and the columns, in the export's own order. A
/// column the export does not have, or the medical one without `medical:customer`, is
/// refused and named; so is an empty choice (to the exporter, no columns means all).
fn read<'a>(
    w: Words<'_>,
    format: &str,
    asked: impl Iterator<Item = &'a str>,
    medical: bool,
) -> ApiResult<ExportOptions> {
    let format = match format {
        "csv" => ExportFormat::Csv,
        "xlsx" => ExportFormat::Xlsx,
        other => {
            return Err(ApiError::bad(format!(
                "format: {other:?} is not csv or xlsx: nothing was exported"
            )));
        }
    };
    let known = column_names(true);
    let mut chosen = Vec::new();
    for name in asked {
        if !known.contains(&name) {
            return Err(ApiError::bad(format!(
                "column: {name:?} is not a column of the export: nothing was exported"
            )));
        }
        if name == MEDICAL_COLUMN && !medical {
            return Err(ApiError::forbidden(w.get(Msg::ExportMedicalRefused)));
        }
        chosen.push(name);
    }
    let columns: Vec<String> = known
        .into_iter()
        .filter(|n| chosen.contains(n))
        .map(str::to_string)
        .collect();
    if columns.is_empty() {
        return Err(ApiError::bad(w.get(Msg::ExportNoColumns)));
    }
    Ok(ExportOptions { format, columns })
}

/// `POST /console/export`: the file, as an attachment, going out as it is made (an Excel
/// workbook once it is complete: see `files::export_body`). Audited as the API's export is.
pub async fn download(posted: Posted) -> Page {
    let staff = &posted.staff;
    let medical = staff.may(Permission::MedicalCustomer);
    let options = match read(
        staff.words(),
        posted.get("format"),
        posted.all("column"),
        medical,
    ) {
        Ok(o) => o,
        Err(e) => return staff.failed(e),
    };
    let format = options.format;
    let body = match files::export_body(&staff.state, staff.actor.clone(), options, TARGET).await {
        Ok(b) => b,
        Err(e) => return staff.failed(e),
    };
    let (kind, name) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "customers.csv"),
        ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "customers.xlsx",
        ),
    };
    Page::download(kind, name, body)
}

#[cfg(test)]
mod tests {
    use intake_common::settings::{Lang, Settings};

    use super::*;

    #[test]
    fn a_post_is_read_into_the_exports_own_order_and_the_medical_column_takes_its_permission() {
        let settings = Settings::defaults();
        let w = Words::new(&settings.tr, Lang::En);
        let o = read(w, "xlsx", ["Email", "Id", "FirstName"].into_iter(), false).unwrap();
        assert_eq!(o.format, ExportFormat::Xlsx);
        assert_eq!(o.columns, ["Id", "FirstName", "Email"]);
        let o = read(w, "csv", ["Email", MEDICAL_COLUMN].into_iter(), true).unwrap();
        assert_eq!(o.columns, ["Email", MEDICAL_COLUMN]);
        let refused = read(w, "csv", ["Email", MEDICAL_COLUMN].into_iter(), false).unwrap_err();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(
            refused.message().starts_with("column: "),
            "{}",
            refused.message()
        );
        for (format, columns, names) in [
            ("pdf", vec!["Email"], "format: "),
            ("", vec!["Email"], "format: "),
            ("csv", vec![], "column: "),
            ("csv", vec!["pin_hash"], "column: "),
            ("csv", vec!["email"], "column: "),
        ] {
            let e = read(w, format, columns.into_iter(), true).unwrap_err();
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{format} {names}");
            assert!(e.message().starts_with(names), "{}", e.message());
        }
    }

    #[test]
    fn every_column_of_the_export_has_its_own_label() {
        let labels: Vec<Msg> = column_names(true).into_iter().map(label).collect();
        for (i, l) in labels.iter().enumerate() {
            assert!(!labels[i + 1..].contains(l), "{l:?} twice");
        }
        assert_eq!(label(EXPORT_ONLY_COLUMNS[1]), Msg::ColumnUpdated);
    }
}
