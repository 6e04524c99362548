//! The command line: raw arguments, parsed by clap. `command/` holds one module per command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "intake-agent",
    version,
    about = "Intake's companion: admin commands for customers, CSV and duplicates"
)]
pub struct Cli {
    /// Where the database and its key live (default: the platform's data directory).
    #[arg(long, global = true, env = "INTAKE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The user to act as; the PIN comes from INTAKE_PIN or is asked for on the terminal.
    #[arg(long, global = true, env = "INTAKE_USER", value_name = "NAME")]
    pub user: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage staff users.
    #[command(subcommand)]
    User(UserCommand),
    /// Import customers from a CSV file.
    Import(ImportArgs),
    /// Export customers to CSV or Excel (needs export:customer).
    Export(ExportArgs),
    /// Look at and edit customers.
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// List groups of likely duplicate customers (same birthdate and last name).
    Duplicates(JsonFlag),
    /// Merge duplicates into a target customer (needs merge:customer).
    Merge(MergeArgs),
    /// Mark two customers as not duplicates, so they are not offered again.
    NotDuplicate(NotDuplicateArgs),
    /// Signed releases: list them, or render one to PDF.
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Show the audit log, newest first (needs manage:users).
    Audit(AuditArgs),
}

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// List signed releases, newest first (needs read:customer).
    List {
        /// Only this customer's releases.
        #[arg(long, value_name = "ID")]
        customer: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write a signed release as a PDF (needs read:customer and medical:customer: it holds
    /// the health answers). The view is audited; the file is readable by its owner only.
    Pdf {
        id: String,
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// The shop settings directory, for the shop's name and logo.
        #[arg(long, env = "INTAKE_SETTINGS_DIR", value_name = "DIR")]
        settings: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The very first user must be an owner and needs no --user.
    Add {
        name: String,
        /// owner, manager, artist or front-desk.
        #[arg(long)]
        role: String,
    },
    /// List users.
    List(JsonFlag),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// studio (FirstName, LastName, ...) or snake (first_name, last_name, ...); detected from the header when absent.
    #[arg(long)]
    pub format: Option<String>,
    /// Map one of the file's columns to a customer field: --map 'First Name=FirstName'. Repeatable.
    #[arg(long, value_name = "THEIRS=OURS")]
    pub map: Vec<String>,
    /// How the file writes dates that are not ISO: mdy, dmy, iso, or a pattern such as %d.%m.%Y.
    #[arg(long)]
    pub date_format: Option<String>,
    /// Check the file and report what would happen, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write (standard output when absent, CSV only).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// csv or xlsx.
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Comma-separated columns to write, in order (default: all the studio layout's columns).
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// List customers, oldest first.
    List(JsonFlag),
    /// Show one customer with flags, notes, contacts and (with medical:customer) medical details.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a customer: --set FirstName=Ann --set LastName=Lee ...
    Add {
        #[arg(long, value_name = "FIELD=VALUE", required = true)]
        set: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change fields of a customer: --set Email=ann@example.com (an empty value clears it).
    Update {
        id: String,
        #[arg(long, value_name = "FIELD=VALUE", required = true)]
        set: Vec<String>,
    },
    /// Add a note (author and time are recorded).
    Note { id: String, text: String },
    /// Flag a customer, with an optional note.
    Flag {
        id: String,
        kind: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Record a medical condition, allergy or medication (needs medical:customer).
    Medical {
        id: String,
        /// allergy, condition, disease, medication or other.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        details: Option<String>,
    },
    /// Set the emergency or physician contact.
    Contact {
        id: String,
        /// emergency or physician.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: Option<String>,
        /// The relationship (emergency) or the practice (physician).
        #[arg(long)]
        relation: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    pub target: String,
    #[arg(required = true)]
    pub duplicates: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NotDuplicateArgs {
    pub a: String,
    pub b: String,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    #[arg(long)]
    pub json: bool,
}
