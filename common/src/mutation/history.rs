//! The audit entry each applied change writes: a customer's history of changes, naming
//! what changed (fields, a flag's kind, a contact's kind) and never the values.

use uuid::Uuid;

use super::Op;

/// The history entry a change makes: the customer, the action and what changed.
pub(super) fn entry(op: &Op) -> Option<(Uuid, &'static str, String)> {
    Some(match op {
        Op::CreateCustomer { customer, profile } => {
            let fields: Vec<&str> = profile
                .iter()
                .filter(|(_, v)| v.is_some())
                .map(|(f, _)| f.column())
                .collect();
            (
                *customer,
                "change.create",
                format!("added with {}", fields.join(", ")),
            )
        }
        Op::UpdateCustomer { customer, changes } => {
            let fields: Vec<&str> = changes.keys().map(|f| f.column()).collect();
            (
                *customer,
                "change.update",
                format!("changed {}", fields.join(", ")),
            )
        }
        Op::DeleteCustomer { customer } => (*customer, "change.delete", "deleted".into()),
        Op::AddMedicalCondition { customer, .. } => {
            (*customer, "change.medical", "medical record added".into())
        }
        Op::AddFlag { customer, kind, .. } => (*customer, "change.flag", format!("flagged {kind}")),
        Op::AddNote { customer, .. } => (*customer, "change.note", "note added".into()),
        Op::SetContact { customer, contact } => (
            *customer,
            "change.contact",
            match contact.kind {
                crate::customer::ContactKind::Emergency => "emergency contact set".into(),
                crate::customer::ContactKind::Physician => "physician contact set".into(),
            },
        ),
        Op::RecordService { customer, .. } => {
            (*customer, "change.service", "service recorded".into())
        }
        Op::EndService { customer, .. } => (*customer, "change.service", "service ended".into()),
        Op::MergeCustomers { target, duplicates } => (
            *target,
            "change.merge",
            format!(
                "merged {}",
                duplicates
                    .iter()
                    .map(Uuid::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Op::MarkNotDuplicate { a, b } => (*a, "change.not-duplicate", format!("not {b}")),
        Op::AcknowledgeSafety { customer, .. } => {
            (*customer, "change.safety-read", "Safety Panel read".into())
        }
        Op::SignRelease { customer, .. } => (*customer, "change.release", "release signed".into()),
        // An erasure writes its own entry (what it kept and purged); the retention pass
        // writes one summary of counts.
        Op::EraseCustomer { .. } | Op::Expire { .. } => return None,
    })
}
