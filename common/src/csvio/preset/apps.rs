//! The apps' exports, column by column, with where each format comes from.

use super::Role::{Extra, History, Name, Private, Repeats};
use super::{Column, Dates, Preset, Reading, Role, Value};
use crate::customer::Field;

const fn fill(names: &'static [&'static str], field: Field) -> Column {
    Column {
        names,
        role: Role::Fill(field, Reading::PLAIN),
    }
}

const fn read(names: &'static [&'static str], field: Field, value: Value) -> Column {
    Column {
        names,
        role: Role::Fill(field, Reading::of(value)),
    }
}

const fn or_else(names: &'static [&'static str], field: Field, value: Value) -> Column {
    Column {
        names,
        role: Role::Fill(
            field,
            Reading {
                value,
                fallback: true,
            },
        ),
    }
}

const fn is(names: &'static [&'static str], role: Role) -> Column {
    Column { names, role }
}

use Field as F;
use Value::AsWritten as Plain;

/// Every preset, in the order `import --help` lists them.
pub(super) static PRESETS: [Preset; 10] = [
    SQUARE,
    VAGARO,
    FRESHA,
    ACUITY,
    GLOSSGENIUS,
    MASSAGEBOOK,
    REV23_DESKTOP,
    BOOKSY,
    PORTER,
    TATTOO_STUDIO_PRO,
];

const SQUARE: Preset = Preset {
    name: "square",
    app: "Square (Customer Directory export)",
    export: "Square Dashboard: Customers → Directory → Import/Export → Export customers",
    sources: &[
        "https://squareup.com/help/us/en/article/6149-manage-unsubscribed-customers",
        "https://squareup.com/help/gb/en/article/6149 (Email Subscription Status: Subscribed, Unsubscribed, Unknown)",
        "https://squareup.com/help/us/en/article/6632-import-customers-online (date and birthday forms)",
        "two public migration tools written against real exports, with the same 23 columns",
    ],
    confidence: "the 23 columns and their order agree across the sources; older exports have Email Unsubscribed instead of Email Subscription Status",
    columns: &[
        fill(&["Reference ID"], F::ReferenceId),
        fill(&["First Name"], F::FirstName),
        fill(&["Last Name", "Surname"], F::LastName),
        fill(&["Email Address"], F::Email),
        fill(&["Phone Number"], F::PhoneNumber),
        fill(&["Nickname"], F::Nickname),
        fill(&["Company Name"], F::Company),
        fill(&["Street Address 1"], F::Street),
        fill(&["Street Address 2"], F::Street2),
        fill(&["City"], F::City),
        fill(&["State"], F::State),
        fill(&["Postal Code", "Postcode"], F::PostalCode),
        read(&["Birthday"], F::Birthdate, Value::MaybeNoYear),
        fill(&["Memo"], F::Notes),
        is(&["Square Customer ID"], Extra),
        is(&["Creation Source"], History),
        is(&["First Visit"], History),
        is(&["Last Visit"], History),
        is(&["Transaction Count"], History),
        is(&["Lifetime Spend"], History),
        read(
            &["Email Subscription Status"],
            F::OptIn,
            Value::Subscription,
        ),
        read(&["Email Unsubscribed"], F::OptIn, Value::Negated),
        is(&["Instant Profile"], History),
        is(&["Blocked from online booking"], Extra),
    ],
    telltales: &[
        &["Square Customer ID"],
        &["Reference ID", "Email Subscription Status"],
        &["Reference ID", "Email Unsubscribed"],
    ],
    header_within: 1,
    empty: &[],
    dates: Dates::Learn,
};

const VAGARO: Preset = Preset {
    name: "vagaro",
    app: "Vagaro (Customer List report)",
    export: "Vagaro: Reports → Customers → Customer List → Export to Excel (owner only); the workbook is read as it comes",
    sources: &[
        "https://support.vagaro.com/hc/en-us/articles/360006371094 (Customer List report)",
        "https://support.vagaro.com/hc/en-us/articles/18977250687643 (the profile's fields: Mobile, Day Phone, Night Phone, Birth Date, Gender)",
        "a public importer written against a real CustomersList export of 998 rows (report lines above the header, --- for empty cells, the spelling Refered By)",
    ],
    confidence: "column names as a real export spells them; their order is not documented, and a variant with one Name column and Cell/Day/Night Phone exists",
    columns: &[
        is(&["Customer Since"], History),
        fill(&["First Name"], F::FirstName),
        fill(&["Last Name"], F::LastName),
        is(&["Name"], Name),
        fill(&["Email"], F::Email),
        fill(&["Mobile", "Cell Phone"], F::PhoneNumber),
        or_else(&["Day", "Day Phone"], F::PhoneNumber, Plain),
        or_else(&["Night", "Night Phone"], F::PhoneNumber, Plain),
        fill(&["Address"], F::Street),
        fill(&["Apt/Suite"], F::Street2),
        fill(&["City"], F::City),
        fill(&["State"], F::State),
        fill(&["Zip"], F::PostalCode),
        fill(&["Birthdate"], F::Birthdate),
        fill(&["Gender"], F::Gender),
        is(&["Last Visited"], History),
        is(&["Membership"], Extra),
        is(&["Tags"], Extra),
        is(&["Refered By", "Referred By"], Extra),
        is(&["Online Booking"], Extra),
        is(&["Credit Card"], Private),
        is(&["Bank"], Private),
        is(&["Appointments Booked", "App. Booked"], History),
        is(&["Classes Booked"], History),
        is(&["Check-Ins"], History),
        is(&["Points Earned"], History),
        is(&["Amount Paid"], History),
        is(&["No Shows/Cancellations"], History),
        is(&["Employee Seen", "Employees Seen"], History),
    ],
    telltales: &[
        &["Customer Since", "Apt/Suite"],
        &["Refered By"],
        &["No Shows/Cancellations"],
        &["Employee Seen"],
        &["Employees Seen"],
    ],
    header_within: 12,
    empty: &["---"],
    dates: Dates::Learn,
};

const FRESHA: Preset = Preset {
    name: "fresha",
    app: "Fresha (Clients list export)",
    export: "Fresha: Clients → Clients list → Options → Export → CSV (needs the Can download clients permission)",
    sources: &[
        "https://www.fresha.com/help-center/knowledge-base/clients/58-export-your-client-list",
        "https://support.fresha.com/hc/de/articles/115001938785 (the import template's dates: DD-MM-YYYY, MM-DD-YYYY for US accounts)",
        "a public migration tool and the real 22-column export it reads (phones as country code and number without +)",
    ],
    confidence: "the 22 columns' order is from a real export; its headers follow the account's language, and the Italian names seen are accepted too",
    columns: &[
        fill(&["Client ID", "ID cliente"], F::ReferenceId),
        fill(&["First Name", "Nome"], F::FirstName),
        fill(&["Last Name", "Cognome"], F::LastName),
        is(&["Full Name"], Repeats),
        is(&["Blocked"], Extra),
        is(&["Block Reason"], Extra),
        fill(&["Gender"], F::Gender),
        read(
            &["Mobile Number", "Numero di cellulare"],
            F::PhoneNumber,
            Value::CountryCodeFirst,
        ),
        or_else(&["Telephone"], F::PhoneNumber, Value::CountryCodeFirst),
        fill(&["Email"], F::Email),
        fill(&["Accepts Marketing", "Accetta marketing"], F::OptIn),
        is(&["Accepts SMS Marketing"], Extra),
        fill(&["Address"], F::Street),
        fill(&["Apartment Suite"], F::Street2),
        is(&["Area"], Extra),
        fill(&["City"], F::City),
        fill(&["State"], F::State),
        fill(&["Post Code"], F::PostalCode),
        fill(&["Date of Birth", "Data di nascita"], F::Birthdate),
        is(&["Added", "Aggiunto"], History),
        fill(&["Note"], F::Notes),
        is(&["Referral Source", "Fonti di riferimento"], Extra),
    ],
    telltales: &[
        &["Client ID", "Mobile Number"],
        &["Accepts Marketing", "Accepts SMS Marketing"],
        &["ID cliente", "Numero di cellulare"],
    ],
    header_within: 1,
    empty: &[],
    dates: Dates::Learn,
};

const ACUITY: Preset = Preset {
    name: "acuity",
    app: "Acuity Scheduling / Squarespace Scheduling (client list export)",
    export: "Acuity: Clients → Import/Export → Export client list (CSV)",
    sources: &[
        "https://help.acuityscheduling.com/hc/en-us/articles/16676918445965-Banning-clients-from-scheduling-online (the export's Banned column)",
        "https://help.acuityscheduling.com/hc/en-us/articles/16676896712589 (importing and exporting clients)",
        "two public importers written for the exported client list, with the same header",
    ],
    confidence: "the header agrees across two importers; the Banned column's place is not documented",
    columns: &[
        fill(&["First Name"], F::FirstName),
        fill(&["Last Name"], F::LastName),
        fill(&["Phone"], F::PhoneNumber),
        fill(&["Email"], F::Email),
        fill(&["Notes"], F::Notes),
        is(&["Days Since Last Appointment"], History),
        is(&["Banned"], Extra),
    ],
    telltales: &[&["Days Since Last Appointment"]],
    header_within: 1,
    empty: &[],
    dates: Dates::Learn,
};

const GLOSSGENIUS: Preset = Preset {
    name: "glossgenius",
    app: "GlossGenius (client export)",
    export: "GlossGenius on the web (owner): Clients → Export Clients (CSV)",
    sources: &["https://glossgenius.elevio.help/en/articles/792 (exporting clients)"],
    confidence: "known only from a summary of the help page; the app is US-only, so dates are month first",
    columns: &[
        is(&["Name"], Name),
        fill(&["Email"], F::Email),
        fill(&["Phone"], F::PhoneNumber),
        fill(&["Date of Birth"], F::Birthdate),
        is(&["Banned"], Extra),
    ],
    telltales: &[&["Name", "Date of Birth", "Banned"]],
    header_within: 1,
    empty: &[],
    dates: Dates::MonthFirst,
};

const MASSAGEBOOK: Preset = Preset {
    name: "massagebook",
    app: "MassageBook (client export)",
    export: "MassageBook: Clients → Export",
    sources: &[
        "a transcription of MassageBook's client export header in a published migration guide",
    ],
    confidence: "known only from a transcription; the app is US-only, so dates are month first",
    columns: &[
        fill(&["First Name"], F::FirstName),
        fill(&["Last Name"], F::LastName),
        fill(&["Email Address"], F::Email),
        fill(&["Phone Number"], F::PhoneNumber),
        or_else(&["Alternate Number"], F::PhoneNumber, Plain),
        fill(&["Address 1"], F::Street),
        fill(&["Address 2"], F::Street2),
        fill(&["City"], F::City),
        fill(&["State/Province"], F::State),
        fill(&["Zip/Postal Code"], F::PostalCode),
        read(&["Birthday"], F::Birthdate, Value::MaybeNoYear),
        is(&["Photo URL"], Extra),
        is(&["Source"], Extra),
    ],
    telltales: &[
        &["State/Province", "Zip/Postal Code"],
        &["Alternate Number", "Photo URL"],
    ],
    header_within: 1,
    empty: &[],
    dates: Dates::MonthFirst,
};

const REV23_DESKTOP: Preset = Preset {
    name: "rev23-desktop",
    app: "REV23 Desktop (customer file)",
    export: "REV23 Desktop: the customer file its import takes (REV23 Cloud uses Intake's own studio layout)",
    sources: &[
        "https://docs.rev23.com/rev23-desktop-docs/how-to/import-customers (the example file's header and values)",
    ],
    confidence: "the vendor's own example header; what its numeric Gender codes mean is not stated, so they go to the notes",
    columns: &[
        fill(&["FirstName"], F::FirstName),
        fill(&["MiddleName"], F::MiddleName),
        fill(&["LastName"], F::LastName),
        is(&["Gender"], Extra),
        fill(&["Street"], F::Street),
        fill(&["City"], F::City),
        fill(&["StateProvince"], F::State),
        fill(&["ZipPostal"], F::PostalCode),
        read(&["Birthday"], F::Birthdate, Value::DateTime),
        fill(&["MobilePhoneNumber"], F::PhoneNumber),
        or_else(&["HomePhoneNumber"], F::PhoneNumber, Plain),
        or_else(&["OtherPhoneNumber"], F::PhoneNumber, Plain),
        is(&["CallbackPhoneNumber"], Extra),
        is(&["EmergencyPhoneNumber"], Extra),
        fill(&["Nickname"], F::Nickname),
        is(&["IdentificationNumber"], Private),
        is(&["IdentificationState"], Private),
        fill(&["Email"], F::Email),
    ],
    telltales: &[
        &["StateProvince", "ZipPostal"],
        &["MobilePhoneNumber", "HomePhoneNumber"],
    ],
    header_within: 1,
    empty: &[],
    dates: Dates::Learn,
};

/// The names customer lists commonly give their columns: what an app that does not
/// publish its export's columns is read by.
const COMMON: &[Column] = &[
    fill(&["First Name", "Given Name", "First"], F::FirstName),
    fill(&["Middle Name"], F::MiddleName),
    fill(
        &["Last Name", "Surname", "Family Name", "Last"],
        F::LastName,
    ),
    is(
        &[
            "Name",
            "Full Name",
            "Client Name",
            "Customer Name",
            "Client",
        ],
        Name,
    ),
    fill(&["Email", "Email Address", "Client Email"], F::Email),
    fill(
        &[
            "Phone",
            "Phone Number",
            "Mobile",
            "Mobile Number",
            "Mobile Phone",
            "Cell",
            "Cell Phone",
            "Client Phone",
        ],
        F::PhoneNumber,
    ),
    or_else(
        &["Home Phone", "Telephone", "Work Phone", "Other Phone"],
        F::PhoneNumber,
        Plain,
    ),
    read(
        &["Birthday", "Birthdate", "Date of Birth", "DOB"],
        F::Birthdate,
        Value::MaybeNoYear,
    ),
    fill(&["Gender"], F::Gender),
    fill(
        &[
            "Address",
            "Address 1",
            "Address Line 1",
            "Street",
            "Street Address",
        ],
        F::Street,
    ),
    fill(
        &["Address 2", "Address Line 2", "Apt/Suite", "Apartment"],
        F::Street2,
    ),
    fill(&["City", "Town"], F::City),
    fill(&["State", "Province", "State/Province", "County"], F::State),
    fill(
        &[
            "Zip",
            "Zip Code",
            "Postal Code",
            "Postcode",
            "Zip/Postal Code",
        ],
        F::PostalCode,
    ),
    fill(&["Country"], F::Country),
    fill(&["Notes", "Note", "Comments", "Client Notes"], F::Notes),
    fill(&["Company", "Company Name"], F::Company),
    fill(&["Occupation", "Job Title"], F::Occupation),
    fill(
        &["Accepts Marketing", "Email Marketing", "Marketing Consent"],
        F::OptIn,
    ),
    is(
        &[
            "Tags",
            "Source",
            "Referral Source",
            "Referred By",
            "Client ID",
            "Customer ID",
        ],
        Extra,
    ),
];

/// An app that publishes no export columns: read by the common names, never recognised by
/// its header (nothing tells it apart), so it is named with `--from`.
const fn unpublished(
    name: &'static str,
    app: &'static str,
    export: &'static str,
    sources: &'static [&'static str],
) -> Preset {
    Preset {
        name,
        app,
        export,
        sources,
        confidence: "the app does not publish its export's columns: they are read by the names customer lists commonly use; check the dry run's mapping, and change any column there or with --map",
        columns: COMMON,
        telltales: &[],
        header_within: 1,
        empty: &[],
        dates: Dates::Learn,
    }
}

const BOOKSY: Preset = unpublished(
    "booksy",
    "Booksy (client file from Booksy's support)",
    "Booksy Biz has no export of its own: the business asks Booksy's support (in-app chat) for its client file",
    &["https://support.booksy.com/hc/en-us/articles/16539806017938 (asking for the client list)"],
);

const PORTER: Preset = unpublished(
    "porter",
    "Porter (getporter.io client list)",
    "Porter publishes no client export; a file from its support or a spreadsheet copy of the client list",
    &["https://getporter.io (no help page on exporting clients)"],
);

const TATTOO_STUDIO_PRO: Preset = unpublished(
    "tattoo-studio-pro",
    "Tattoo Studio Pro (client list)",
    "Tattoo Studio Pro documents only a whole backup (Settings → System → Backup), not a client export",
    &["https://tattoostudiopro.pages.dev/help (no page on exporting clients)"],
);
