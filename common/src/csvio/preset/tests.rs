use super::*;

fn h(cols: &str) -> Vec<String> {
    cols.split(',').map(str::to_string).collect()
}

#[test]
fn every_preset_is_well_formed() {
    let mut names = std::collections::HashSet::new();
    for p in &PRESETS {
        assert!(names.insert(p.name), "{} twice", p.name);
        assert!(!p.sources.is_empty(), "{} has no source", p.name);
        assert!(p.header_within >= 1, "{}", p.name);
        // No spelling belongs to two of its columns.
        let mut seen = std::collections::HashSet::new();
        for c in p.columns {
            for n in c.names {
                assert!(seen.insert(header_key(n)), "{}: {n} twice", p.name);
            }
        }
        // Its telltales are its own columns.
        for set in p.telltales {
            for t in *set {
                assert!(p.role(t).is_some(), "{}: telltale {t} is no column", p.name);
            }
        }
        assert_eq!(Preset::named(p.name), Some(p));
    }
    assert_eq!(
        Preset::named("Tattoo Studio Pro").map(|p| p.name),
        Some("tattoo-studio-pro")
    );
    assert!(Preset::named("nope").is_none());
}

#[test]
fn a_header_names_its_app() {
    let square = "Reference ID,First Name,Last Name,Email Address,Phone Number,Nickname,Company Name,Street Address 1,Street Address 2,City,State,Postal Code,Birthday,Memo,Square Customer ID,Creation Source,First Visit,Last Visit,Transaction Count,Lifetime Spend,Email Subscription Status,Instant Profile,Blocked from online booking";
    assert_eq!(Preset::detect(&h(square)).map(|p| p.name), Some("square"));
    // Case and spacing aside.
    assert_eq!(
        Preset::detect(&h(
            "first name,LAST NAME,phone,email,notes,days since last appointment"
        ))
        .map(|p| p.name),
        Some("acuity")
    );
    assert_eq!(
        Preset::detect(&h("Name,Email,Phone,Date of Birth,Banned")).map(|p| p.name),
        Some("glossgenius")
    );
    // Columns every list has say nothing of the app.
    assert_eq!(Preset::detect(&h("First Name,Last Name,Email,Phone")), None);
    assert_eq!(
        Preset::detect(&h("FirstName,LastName,PhoneNumber,Birthdate")),
        None
    );
    // The apps that publish no columns are never guessed.
    for p in ["booksy", "porter", "tattoo-studio-pro"] {
        assert!(Preset::named(p).unwrap().telltales.is_empty());
    }
}

#[test]
fn history_is_told_by_its_name() {
    for name in [
        "Lifetime Spend",
        "Transaction Count",
        "Last Visit",
        "Appointments Booked",
        "No Shows/Cancellations",
        "Days Since Last Appointment",
        "Customer Since",
        "Total Sales",
        "Check-Ins",
    ] {
        assert!(looks_like_history(name), "{name}");
    }
    for name in [
        "First Name",
        "Email",
        "Blocked from online booking",
        "Notes",
        "Zip",
    ] {
        assert!(!looks_like_history(name), "{name}");
    }
}

#[test]
fn card_bank_and_identity_columns_are_told_by_their_name() {
    for name in [
        "Card Number",
        "Credit Card",
        "CVV",
        "IBAN",
        "Bank Account",
        "SSN",
        "Driver License",
        "Passport No.",
    ] {
        assert!(looks_private(name), "{name}");
    }
    for name in ["First Name", "Email", "Notes", "Membership", "City"] {
        assert!(!looks_private(name), "{name}");
    }
}
