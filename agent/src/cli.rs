//! The command line: raw arguments, parsed by clap. `command/` holds one module per command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

// Not `Debug`: it holds the database's connection string, which may hold a password.
#[derive(Parser)]
#[command(
    name = "intake-agent",
    version,
    about = "Intake's companion: admin commands, the shop's store, device sync and webhooks"
)]
pub struct Cli {
    /// Where the database and its key live (default: the platform's data directory).
    #[arg(long, global = true, env = "INTAKE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The store's database on PostgreSQL (`postgres://user@host/db`, or `host=… dbname=…`)
    /// instead of the SQLite file in the data directory; the data directory still keeps
    /// the encryption key, the certificate and the settings. For `serve` and the admin
    /// commands of a chain's store.
    #[arg(
        long,
        global = true,
        env = "INTAKE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database: Option<String>,

    /// The user to act as; the PIN comes from INTAKE_PIN or is asked for on the terminal.
    #[arg(long, global = true, env = "INTAKE_USER", value_name = "NAME")]
    pub user: Option<String>,

    /// The shop settings directory (shop.toml: the shop's name and logo for PDFs, and the
    /// region phone numbers belong to). Without it the database keeps the region it has,
    /// except for `serve`, which then reads DATA_DIR/settings when it exists. The console's
    /// Settings page saves into this directory (or DATA_DIR/settings), so what it saved is
    /// what the store loads at its next start.
    #[arg(long, global = true, env = "INTAKE_SETTINGS_DIR", value_name = "DIR")]
    pub settings: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
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
    /// Run the shop's store: the HTTPS API devices sync with and staff use remotely.
    Serve(ServeArgs),
    /// Devices paired with this store: add (makes a one-time pairing code), list, move to
    /// another location, revoke.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// A chain's locations: add, list. Each device stands at one; counters list their own
    /// location's check-ins, and customers are the chain's.
    #[command(subcommand)]
    Location(LocationCommand),
    /// Staff sessions on the store (signed in over its API): list them, or revoke one or all
    /// of a user's (needs manage:users; audited).
    #[command(subcommand)]
    Session(SessionCommand),
    /// Web Sign links for one visit: make one for a customer (prints its address and
    /// expiry), list them, revoke one (needs invite:customer; audited).
    #[command(subcommand)]
    WebSign(WebSignCommand),
    /// Pair this device with a store, using the code `device add` made there.
    Pair(PairArgs),
    /// Sync this device with its store until stopped: push the outbox, pull changes. On an
    /// appliance with no store (its own store), deliver its webhooks instead.
    Run(RunArgs),
    /// Show this device's sync status: pending mutations, last success, last error.
    Status(JsonFlag),
    /// Webhook endpoints: add, list, enable, disable, rotate-secret, test, replay, recover, log
    /// (needs manage:webhooks).
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// The store's database itself: move a shop's SQLite store to PostgreSQL.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Retention: delete what the shop's policy (`[retention]` in shop.toml) no longer keeps
    /// (needs legal:customer; the store also runs it daily).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Back up the database, consistent while the kiosk and the agent run, sealed with the
    /// shop's key (which is not in the backup: keep a copy of it elsewhere).
    Backup(BackupArgs),
    /// Restore a backup into the data directory (stop the kiosk and the agent first).
    Restore(RestoreArgs),
    /// On a paired device: sync, then compare what this device holds with what the store
    /// holds for it (counts and a hash); fails if they differ with nothing waiting.
    Check(CheckArgs),
    /// Print the store's API as OpenAPI 3.1 JSON (what the store serves at /openapi.json),
    /// to make a client from; nothing is opened or signed in.
    Openapi,
}

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Move a shop's store (customers, releases, the audit log, users, devices, webhooks)
    /// from its SQLite database into an empty PostgreSQL database, checked table by table
    /// by row counts and hashes; nothing is written unless every table checks out. Stop
    /// the store first. Its paired devices keep their pairing: start the store with
    /// `--data-dir DATA_DIR --database URL` at the same address.
    Migrate(MigrateArgs),
}

// Not `Debug`: the connection string may hold a password.
#[derive(Args)]
pub struct MigrateArgs {
    /// The shop's data directory: its store.db and secret.key (the key the PostgreSQL store
    /// is sealed with from then on).
    #[arg(long, value_name = "DATA_DIR")]
    pub from: PathBuf,
    /// The PostgreSQL database to move into (`postgres://user@host/db`, or
    /// `host=… dbname=…`): empty, or made by `serve` and never used.
    #[arg(long, value_name = "URL", hide_env_values = true)]
    pub to: String,
    /// Print what was moved as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Compare without syncing first.
    #[arg(long)]
    pub no_sync: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Print the backup's manifest as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// The shop's key file (secret.key) to restore with, if the data directory has none.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Replace the database that is there (it is kept beside, renamed).
    #[arg(long)]
    pub replace: bool,
    /// Only read the backup's manifest (no key needed).
    #[arg(long)]
    pub inspect: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Add an endpoint; prints its id and its signing secret (shown once).
    Add {
        url: String,
        /// Comma-separated: customer.created, customer.updated, customer.deleted,
        /// customer.merged, release.signed (or * for all).
        #[arg(long, default_value = "*")]
        events: String,
        /// Include customers' medical details in payloads (needs medical:customer).
        #[arg(long)]
        medical: bool,
        /// Print {"id": ..., "secret": ...}.
        #[arg(long)]
        json: bool,
    },
    /// List endpoints with what is waiting and what failed.
    List(JsonFlag),
    /// Stop sending to an endpoint; what was waiting fails (see `recover`).
    Disable { endpoint: String },
    /// Start sending to an endpoint again.
    Enable { endpoint: String },
    /// Make a new secret; the old one keeps signing beside it for 24 hours.
    RotateSecret {
        endpoint: String,
        #[arg(long)]
        json: bool,
    },
    /// Send a webhook.ping to an endpoint now and show the answer.
    Test { endpoint: String },
    /// Send a message again (same webhook-id), to every endpoint it went to or one.
    Replay {
        message: String,
        #[arg(long, value_name = "ENDPOINT")]
        endpoint: Option<String>,
    },
    /// Send again everything that failed since a time (RFC 3339, a date, or 2h / 3d ago).
    Recover {
        #[arg(long, value_name = "TIME")]
        since: String,
        #[arg(long, value_name = "ENDPOINT")]
        endpoint: Option<String>,
    },
    /// An endpoint's delivery log, newest first.
    Log {
        endpoint: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen (port 0 picks a free one; the first line printed says which).
    #[arg(long, default_value = "0.0.0.0:8443", value_name = "ADDR:PORT")]
    pub listen: std::net::SocketAddr,
    /// Serve plain HTTP instead of HTTPS: only on a loopback address.
    #[arg(long)]
    pub plain: bool,
    /// Connections at once; more wait briefly for a free slot, then are closed.
    #[arg(long, default_value_t = crate::store::MAX_CONNECTIONS, value_name = "N")]
    pub max_connections: usize,
    /// Serve Web Sign at /sign: customers register and sign their release on their own
    /// phone, under the shop settings (--settings) the kiosk uses.
    #[arg(long, env = "INTAKE_WEB_SIGN")]
    pub web_sign: bool,
    /// A certificate (PEM) to serve instead of the self-signed one made on first start.
    #[arg(
        long,
        env = "INTAKE_CERT",
        value_name = "FILE",
        requires = "key",
        conflicts_with = "acme"
    )]
    pub cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "INTAKE_KEY", value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Get a certificate phones trust for this DNS name by ACME (Let's Encrypt unless
    /// --acme-directory says otherwise) and keep it renewed. The name must lead to this
    /// store, and its port 443 must reach the store: the ACME server checks there.
    #[arg(long, value_name = "DOMAIN", conflicts_with = "plain")]
    pub acme: Option<String>,
    /// The ACME server's directory.
    #[arg(long, value_name = "URL", requires = "acme")]
    pub acme_directory: Option<String>,
    /// An e-mail address the ACME server may write to about the certificate.
    #[arg(long, value_name = "ADDR", requires = "acme")]
    pub acme_email: Option<String>,
    /// A root certificate (PEM) to trust for the ACME directory's own HTTPS (a private
    /// ACME server).
    #[arg(long, value_name = "FILE", requires = "acme")]
    pub acme_ca: Option<PathBuf>,
    /// Renew once the certificate is this many seconds old (default: at two thirds of its
    /// life).
    #[arg(long, value_name = "SECONDS", requires = "acme", hide = true)]
    pub acme_renew_after: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Add a device and print its one-time pairing code (needs manage:devices).
    Add {
        name: String,
        /// kiosk (registers customers only) or counter (the staff display).
        #[arg(long)]
        role: String,
        /// Let a counter display hold medical details (needs medical:customer).
        #[arg(long)]
        medical: bool,
        /// The chain location it stands at (see `location add`).
        #[arg(long, value_name = "ID")]
        location: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List paired devices.
    List(JsonFlag),
    /// Move device NAME to another chain location (needs manage:devices). What it synced
    /// before stays where it was signed; it learns its location at its next sync.
    Move {
        name: String,
        /// The location's id.
        #[arg(long, value_name = "ID", required_unless_present = "nowhere")]
        location: Option<String>,
        /// No location (a single shop's device).
        #[arg(long, conflicts_with = "location")]
        nowhere: bool,
    },
    /// Revoke a device: the store refuses its next request.
    Revoke { name: String },
    /// Set the code staff type to leave kiosk NAME (6 to 12 digits, from INTAKE_NEW_PIN or
    /// asked twice; needs manage:devices). The kiosk receives its hash at its next sync.
    SetExitCode { name: String },
}

#[derive(Debug, Subcommand)]
pub enum LocationCommand {
    /// Add a location (needs manage:devices).
    Add {
        /// Short and lower-case, as commands take it: downtown, mall-2.
        id: String,
        /// As staff read it: "Downtown, 5th Ave".
        #[arg(long)]
        name: String,
    },
    /// List the locations with how many active devices each has.
    List(JsonFlag),
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Sessions that have not ended: user, role, created, last seen, client address, expiry.
    List(JsonFlag),
    /// End a session, given its id or the start of it (at least 4 characters), or every
    /// session of one user: the store refuses them at their next request.
    Revoke {
        #[arg(
            value_name = "ID-PREFIX",
            required_unless_present = "for_user",
            conflicts_with = "for_user"
        )]
        id: Option<String>,
        /// Every session of this user.
        #[arg(long, value_name = "NAME")]
        for_user: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebSignCommand {
    /// Make a link for one visit, used once, for a customer on file or someone new; prints
    /// https://STORE/sign/v/TOKEN (the token is shown this once) and when it expires.
    #[command(group(clap::ArgGroup::new("whom").required(true).multiple(true).args(["customer", "name"])))]
    Link {
        /// The customer's id, as `customer list` shows it.
        #[arg(long, value_name = "ID")]
        customer: Option<String>,
        /// Someone new's name; with --customer, the name to greet them by. Only its first
        /// word is shown on the page.
        #[arg(long)]
        name: Option<String>,
        /// How long the link lasts, in hours (at most 336: 14 days).
        #[arg(long, default_value_t = intake_common::visit_links::DEFAULT_HOURS, value_name = "N")]
        hours: u32,
        /// The shop's Web Sign address, https://STORE/sign (default: web_sign_url in
        /// shop.toml, from --settings).
        #[arg(long, value_name = "URL")]
        address: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every link, newest first: open, used, revoked or expired.
    Links(JsonFlag),
    /// Would a customer's phone open the Web Sign address? Opens it trusting only the
    /// public certificate authorities phones trust, as the kiosk does before it shows its
    /// QR code; fails, saying why, when a phone would refuse it.
    Check {
        /// The address to check (default: web_sign_url in shop.toml, from --settings).
        #[arg(long, value_name = "URL")]
        address: Option<String>,
        /// Root certificates (PEM) the shop's customers' devices trust besides the public
        /// authorities (a private authority on managed devices).
        #[arg(long, env = "INTAKE_PHONE_ROOTS", value_name = "PEM")]
        phone_roots: Option<std::path::PathBuf>,
    },
    /// A printable one-page PDF with the Web Sign address as a QR code, the shop's name and
    /// logo, and the steps in the shop's languages, for the counter or the waiting area.
    Poster {
        /// The address on the poster (default: web_sign_url in shop.toml, from --settings).
        #[arg(long, value_name = "URL")]
        address: Option<String>,
        /// Where to write the PDF.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// letter or a4 [default: letter in the US, Canada and Mexico (the shop's region),
        /// a4 elsewhere].
        #[arg(long)]
        paper: Option<intake_common::poster::Paper>,
    },
    /// Revoke a link, given its id or the start of it (at least 4 characters).
    Revoke {
        #[arg(value_name = "ID-PREFIX")]
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct PairArgs {
    /// The store's address, e.g. https://store.local:8443.
    #[arg(long, value_name = "URL")]
    pub store: String,
    /// The one-time code `intake-agent device add` printed on the store.
    #[arg(long)]
    pub code: String,
    /// The store certificate's SHA-256 as `device add` printed it. Without it, the
    /// certificate the store shows now is trusted and pinned.
    #[arg(long, value_name = "SHA256")]
    pub fingerprint: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// One round of push and pull, then exit (non-zero if it failed).
    #[arg(long)]
    pub once: bool,
    /// How often to look for changes when all is quiet, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub interval_ms: u64,
    /// Seconds added to this device's clock (debug builds only: tests of a wrong clock).
    #[arg(long, hide = true, default_value_t = 0, allow_hyphen_values = true)]
    pub clock_offset_secs: i64,
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Delete for good what passed its date: releases with their signatures and health
    /// answers, medical records, customers with nothing left to keep, old audit entries.
    /// Prints counts; the audit log keeps the same counts.
    Run {
        /// Count what would go, and delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON instead of a sentence.
        #[arg(long)]
        json: bool,
    },
    /// Show the policy in force: how long each kind of record is kept.
    Policy {
        #[arg(long)]
        json: bool,
    },
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
    /// The releases kept restricted after their customer was erased, until their date
    /// (needs legal:customer).
    Restricted {
        /// Only this erased customer's.
        #[arg(long, value_name = "ID")]
        customer: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a signed release as a PDF (needs read:customer and medical:customer: it holds
    /// the health answers; a restricted one also legal:customer). The view is audited; the
    /// file is readable by its owner only.
    Pdf {
        id: String,
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
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
    /// List users: role, active or disabled, lock state, last sign-in (needs manage:users).
    List(JsonFlag),
    /// Change a user's PIN (yours, or anyone's with manage:users). The new PIN comes from
    /// INTAKE_NEW_PIN or is asked for twice on a terminal.
    SetPin { name: String },
    /// Disable a user: they can no longer sign in (needs manage:users).
    Disable { name: String },
    /// Enable a disabled user again (needs manage:users).
    Enable { name: String },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// studio (FirstName, LastName, ...) or snake (first_name, last_name, ...); detected from the header when absent.
    #[arg(long, conflicts_with = "from")]
    pub format: Option<String>,
    /// The app the file was exported from; recognised by its header when absent.
    #[arg(long, value_name = "APP", value_parser = app_names())]
    pub from: Option<String>,
    /// Keep columns that fit no field in the customer's notes, a `Column: value` line each
    /// (history, payment and identity columns are never kept).
    #[arg(long)]
    pub extra_to_notes: bool,
    /// Map one of the file's columns to a customer field: --map 'First Name=FirstName'; +Notes
    /// adds it to the notes as a line, +Name splits a whole name, nothing leaves it out.
    /// Repeatable.
    #[arg(long, value_name = "THEIRS=OURS")]
    pub map: Vec<String>,
    /// How the file writes dates that are not ISO: mdy, dmy, iso, or a pattern such as %d.%m.%Y.
    #[arg(long)]
    pub date_format: Option<String>,
    /// Where this file's phone numbers without a country code belong, when not the shop's
    /// region (ISO 3166, e.g. MX for a list from a branch in Mexico). They are stored in
    /// international form.
    #[arg(long, value_name = "XX")]
    pub region: Option<String>,
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
    /// Erase a customer on their request (needs legal:customer): their profile, notes,
    /// contacts, medical details, flags and services go at once; releases the shop's
    /// retention policy still keeps stay, restricted to legal:customer, until their date.
    /// Paired devices drop the customer at their next pull; webhooks hear customer.deleted.
    Erase {
        id: String,
        #[arg(long)]
        json: bool,
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

/// The apps `import --from` takes, listed by `--help`.
fn app_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(intake_common::csvio::Preset::names())
}
