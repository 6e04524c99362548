//! Customer fields as people name them (the studio layout's column names).

use intake_common::Field;

/// Reads `name` as a customer field and `value` as that field's value (empty clears it).
pub fn parse(name: &str, value: &str) -> Result<(Field, Option<String>), String> {
    let field = Field::from_column(name.trim()).ok_or_else(|| {
        format!(
            "unknown field {:?}; fields are {}",
            name.trim(),
            Field::ALL.map(Field::column).join(", ")
        )
    })?;
    let value = field
        .parse(value)
        .map_err(|e| format!("{}: {e}", field.column()))?
        .map(std::borrow::Cow::into_owned);
    Ok((field, value))
}
