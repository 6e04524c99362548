//! Customer fields as people name them (the studio layout's column names).

use intake_common::Field;
use intake_common::normalize::Region;

/// Reads `name` as a customer field and `value` as that field's value (empty clears it); a
/// phone number without a country code is one of `region`'s.
pub fn parse(name: &str, value: &str, region: Region) -> Result<(Field, Option<String>), String> {
    let field = Field::from_column(name.trim()).ok_or_else(|| {
        format!(
            "unknown field {:?}; fields are {}",
            name.trim(),
            Field::ALL.map(Field::column).join(", ")
        )
    })?;
    let value = field
        .parse(value, region)
        .map_err(|e| format!("{}: {e}", field.column()))?
        .map(std::borrow::Cow::into_owned);
    Ok((field, value))
}
