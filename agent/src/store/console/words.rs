//! Every word the console's pages show, by its id in the `## Staff console` section of
//! `assets/i18n/<lang>.ftl` (a shop may override them as it does the kiosk's).

use intake_common::customer::Field;
#[cfg(test)]
use intake_common::i18n::Tr;
#[cfg(test)]
use intake_common::settings::Lang;
use intake_common::users::Role;

intake_common::message_ids! {
    /// A message a console page shows.
    pub enum Msg {
        Customers = "console-customers",
        Language = "console-language",
        SkipToContent = "console-skip",
        Sections = "console-sections",
        SignOut = "console-sign-out",
        RoleOwner = "console-role-owner",
        RoleManager = "console-role-manager",
        RoleArtist = "console-role-artist",
        RoleFrontDesk = "console-role-front-desk",
        BackToCustomers = "console-back-to-customers",
        NotFound = "console-not-found",
        Forbidden = "console-forbidden",
        Failed = "console-failed",
        RefusedForm = "console-refused-form",
        SessionEnded = "console-session-ended",
        RefusedOrigin = "console-refused-origin",
        ForbiddenWhy = "console-forbidden-why",
        NoSuchPage = "console-no-such-page",
        TooLarge = "console-too-large",
        SignInTitle = "console-sign-in-title",
        Name = "console-name",
        Pin = "console-pin",
        SignIn = "console-sign-in",
        BadPin = "console-bad-pin",
        Locked = "console-locked" (minutes),
        CustomerCount = "console-customer-count" (count),
        SearchLabel = "console-search-label",
        Search = "console-search",
        AddCustomer = "console-add-customer",
        NoCustomers = "console-no-customers",
        NoneFound = "console-none-found",
        Pages = "console-pages",
        FirstPage = "console-first-page",
        NextPage = "console-next-page",
        NameColumn = "console-name-column",
        Added = "console-added",
        Unnamed = "console-unnamed",
        Active = "console-active",
        Inactive = "console-inactive",
        Yes = "console-yes",
        No = "console-no",
        Columns = "console-columns",
        ColumnsHint = "console-columns-hint",
        SaveColumns = "console-save-columns",
        Edit = "console-edit",
        Delete = "console-delete",
        Profile = "console-profile",
        Notes = "console-notes",
        NoNotes = "console-no-notes",
        AddNote = "console-add-note",
        SaveNote = "console-save-note",
        Services = "console-services",
        NoServices = "console-no-services",
        Releases = "console-releases",
        NoReleases = "console-no-releases",
        DownloadPdf = "console-download-pdf",
        History = "console-history",
        When = "console-when",
        Who = "console-who",
        What = "console-what",
        NotGiven = "console-not-given",
        SafetyPanel = "console-safety-panel",
        Flags = "console-flags",
        NoFlags = "console-no-flags",
        Medical = "console-medical",
        NoMedical = "console-no-medical",
        MedicalHidden = "console-medical-hidden" (count),
        Emergency = "console-emergency",
        Physician = "console-physician",
        LastRead = "console-last-read",
        AddFlag = "console-add-flag",
        FlagKind = "console-flag-kind",
        FlagNote = "console-flag-note",
        SaveFlag = "console-save-flag",
        EditCustomer = "console-edit-customer",
        FixThese = "console-fix-these",
        Save = "console-save",
        Cancel = "console-cancel",
        NeedsIdentity = "console-needs-identity",
        DeleteTitle = "console-delete-title" (name),
        DeleteWarning = "console-delete-warning",
        DeleteConfirm = "console-delete-confirm" (name),
        DeleteUnconfirmed = "console-delete-unconfirmed",
        // Import.
        Import = "console-import",
        ImportTitle = "console-import-title",
        ImportHint = "console-import-hint",
        ImportFile = "console-import-file",
        ImportUpload = "console-import-upload",
        ImportYours = "console-import-yours",
        ImportNotAForm = "console-import-not-a-form",
        ImportTooMany = "console-import-too-many",
        ImportNoFile = "console-import-no-file",
        ImportStateReady = "console-import-state-ready",
        ImportStateRunning = "console-import-state-running",
        ImportStateDone = "console-import-state-done",
        ImportMapping = "console-import-mapping",
        ImportColumn = "console-import-column",
        ImportSample = "console-import-sample",
        ImportField = "console-import-field",
        ImportLeaveOut = "console-import-leave-out",
        ImportIdColumn = "console-import-id-column",
        ImportDates = "console-import-dates",
        DatesAuto = "console-dates-auto",
        DatesIso = "console-dates-iso",
        DatesMdy = "console-dates-mdy",
        DatesDmy = "console-dates-dmy",
        ImportCheckHint = "console-import-check-hint",
        ImportCheck = "console-import-check",
        ImportDiscard = "console-import-discard",
        ImportLayout = "console-import-layout" (layout),
        ImportUnreadable = "console-import-unreadable",
        ImportAnother = "console-import-another",
        ImportCreated = "console-import-created",
        ImportUpdated = "console-import-updated",
        ImportUnchanged = "console-import-unchanged",
        ImportFailed = "console-import-failed",
        ImportIgnored = "console-import-ignored",
        ImportProblems = "console-import-problems",
        ImportLine = "console-import-line",
        ImportProblem = "console-import-problem",
        ImportMoreProblems = "console-import-more-problems" (count),
        ImportReportCsv = "console-import-report-csv",
        ImportDryRunTitle = "console-import-dry-run-title",
        ImportNow = "console-import-now",
        ImportChange = "console-import-change",
        ImportRunning = "console-import-running",
        ImportProgress = "console-import-progress" (percent),
        ImportReload = "console-import-reload",
        ImportDoneTitle = "console-import-done-title",
        ImportStopped = "console-import-stopped",
        FieldFirstName = "console-field-first-name",
        FieldMiddleName = "console-field-middle-name",
        FieldLastName = "console-field-last-name",
        FieldNickname = "console-field-nickname",
        FieldEmail = "console-field-email",
        FieldPhoneNumber = "console-field-phone-number",
        FieldBirthdate = "console-field-birthdate",
        FieldGender = "console-field-gender",
        FieldStreet = "console-field-street",
        FieldStreet2 = "console-field-street2",
        FieldCity = "console-field-city",
        FieldState = "console-field-state",
        FieldPostalCode = "console-field-postal-code",
        FieldCountry = "console-field-country",
        FieldOccupation = "console-field-occupation",
        FieldNotes = "console-field-notes",
        FieldCompany = "console-field-company",
        FieldReferenceId = "console-field-reference-id",
        FieldStatus = "console-field-status",
        FieldOptIn = "console-field-opt-in",
        FieldMembershipNumber = "console-field-membership-number",
        Duplicates = "console-duplicates",
        DuplicatesIntro = "console-duplicates-intro",
        DuplicatesHow = "console-duplicates-how",
        NoDuplicates = "console-no-duplicates",
        GroupHeading = "console-group-heading" (name, count),
        Record = "console-record" (n),
        SuggestedKeep = "console-suggested-keep",
        FieldColumn = "console-field-column",
        Differs = "console-differs",
        KeepOrMerge = "console-keep-or-merge",
        Keep = "console-keep" (n),
        MergeRecord = "console-merge-record" (n),
        MergeSelected = "console-merge-selected",
        NotDuplicate = "console-not-duplicate" (a, b),
        Merged = "console-merged",
        NothingMerged = "console-nothing-merged",
        MarkedApart = "console-marked-apart",
        MergeNoneTicked = "console-merge-none-ticked",
        MergeNoTarget = "console-merge-no-target",
        Export = "console-export",
        ExportIntro = "console-export-intro",
        Format = "console-format",
        FormatCsv = "console-format-csv",
        FormatXlsx = "console-format-xlsx",
        ExportColumns = "console-export-columns",
        ColumnId = "console-column-id",
        ColumnUpdated = "console-column-updated",
        MedicalColumn = "console-medical-column",
        Download = "console-download",
        ExportNoColumns = "console-export-no-columns",
        ExportMedicalRefused = "console-export-medical-refused",
    }
}

impl Msg {
    /// A profile field's label.
    pub fn field(f: Field) -> Msg {
        match f {
            Field::FirstName => Msg::FieldFirstName,
            Field::MiddleName => Msg::FieldMiddleName,
            Field::LastName => Msg::FieldLastName,
            Field::Nickname => Msg::FieldNickname,
            Field::Email => Msg::FieldEmail,
            Field::PhoneNumber => Msg::FieldPhoneNumber,
            Field::Birthdate => Msg::FieldBirthdate,
            Field::Gender => Msg::FieldGender,
            Field::Street => Msg::FieldStreet,
            Field::Street2 => Msg::FieldStreet2,
            Field::City => Msg::FieldCity,
            Field::State => Msg::FieldState,
            Field::PostalCode => Msg::FieldPostalCode,
            Field::Country => Msg::FieldCountry,
            Field::Occupation => Msg::FieldOccupation,
            Field::Notes => Msg::FieldNotes,
            Field::Company => Msg::FieldCompany,
            Field::ReferenceId => Msg::FieldReferenceId,
            Field::Status => Msg::FieldStatus,
            Field::OptIn => Msg::FieldOptIn,
            Field::MembershipNumber => Msg::FieldMembershipNumber,
        }
    }

    /// A staff role's name.
    pub fn role(r: Role) -> Msg {
        match r {
            Role::Owner => Msg::RoleOwner,
            Role::Manager => Msg::RoleManager,
            Role::Artist => Msg::RoleArtist,
            // Devices never sign in to the console.
            Role::FrontDesk | Role::Kiosk | Role::Counter => Msg::RoleFrontDesk,
        }
    }
}

/// The words of one language.
pub type Words<'a> = intake_common::i18n::Words<'a, Msg>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_console_message_is_in_every_language_with_its_arguments_and_none_is_unused() {
        let tr = Tr::built_in();
        let problems = tr.check::<Msg>("console-");
        assert!(problems.is_empty(), "{problems:#?}");
        for f in Field::ALL {
            let (en, es) = (
                tr.get(Lang::En, Msg::field(f).id()),
                tr.get(Lang::Es, Msg::field(f).id()),
            );
            assert!(
                !en.is_empty() && !es.is_empty() && en != es || f == Field::PhoneNumber,
                "{f:?}"
            );
        }
    }
}
