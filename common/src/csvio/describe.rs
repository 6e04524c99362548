//! The mapping in words: which column goes to which field and how it is read, and which
//! columns are left out and why. A dry run shows it before anything is written, and the
//! import's report keeps it.

use serde::{Deserialize, Serialize};

use super::layout::{Layout, target_name};
use super::preset::{Reading, Value};

/// What the import does with one column of the file.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnUse {
    /// The column as the file names it.
    pub column: String,
    /// The field it fills (`FirstName`), `+Name` (split into first and last name) or
    /// `+Notes` (a `Column: value` line in the notes); none when left out.
    pub field: Option<String>,
    /// How its cells are read, where it differs from the field's own way.
    pub how: Option<String>,
    /// Why it is left out.
    pub left_out: Option<String>,
}

impl ColumnUse {
    /// Every column of the layout, in the file's order.
    pub fn of(layout: &Layout) -> Vec<ColumnUse> {
        layout
            .header
            .iter()
            .enumerate()
            .filter(|(_, name)| !name.is_empty())
            .map(|(i, name)| ColumnUse {
                column: name.clone(),
                field: layout.targets[i].map(|t| target_name(t).to_string()),
                how: layout.targets[i].and_then(|_| describe_reading(layout.readings[i])),
                left_out: layout.why[i].map(|w| w.describe().to_string()),
            })
            .collect()
    }

    /// `First Name → FirstName`, `Tags → +Notes`, `Lifetime Spend: left out (history: ...)`.
    pub fn line(&self) -> String {
        match (&self.field, &self.how, &self.left_out) {
            (Some(f), Some(how), _) => format!("{} → {f} ({how})", self.column),
            (Some(f), None, _) => format!("{} → {f}", self.column),
            (None, _, Some(why)) => format!("{}: left out ({why})", self.column),
            (None, _, None) => format!("{}: left out", self.column),
        }
    }
}

/// How a reading differs from the field's own, in words (for the mapping shown).
fn describe_reading(r: Reading) -> Option<String> {
    let value = match r.value {
        Value::AsWritten => None,
        Value::Subscription => Some("Subscribed or Unsubscribed, as an opt-in"),
        Value::Negated => Some("yes means no"),
        Value::CountryCodeFirst => Some("country code first, without +"),
        Value::MaybeNoYear => Some("without a year: kept in the notes"),
        Value::DateTime => Some("a date with a time; the time is dropped"),
    };
    let fallback = r.fallback.then_some("only when the column before is empty");
    match (fallback, value) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b).map(str::to_string),
    }
}
