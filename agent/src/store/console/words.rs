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
        // Webhooks: endpoints, their secrets and their delivery logs.
        Webhooks = "console-webhooks",
        WebhooksIntro = "console-webhooks-intro",
        NoEndpoints = "console-webhooks-none",
        AddEndpoint = "console-webhooks-add",
        Endpoints = "console-webhooks-endpoints",
        WebhookUrl = "console-webhooks-url",
        WebhookUrlHint = "console-webhooks-url-hint",
        WebhookEvents = "console-webhooks-events",
        WebhookEventsLegend = "console-webhooks-events-legend",
        EventCustomerCreated = "console-webhooks-event-customer-created",
        EventCustomerUpdated = "console-webhooks-event-customer-updated",
        EventCustomerDeleted = "console-webhooks-event-customer-deleted",
        EventCustomerMerged = "console-webhooks-event-customer-merged",
        EventReleaseSigned = "console-webhooks-event-release-signed",
        WebhookMedical = "console-webhooks-medical",
        WebhookMedicalLabel = "console-webhooks-medical-label",
        WebhookMedicalWarning = "console-webhooks-medical-warning",
        WebhookState = "console-webhooks-state",
        WebhookLast = "console-webhooks-last",
        WebhookEnabled = "console-webhooks-enabled",
        WebhookDisabled = "console-webhooks-disabled",
        WebhookDisabledWhy = "console-webhooks-disabled-why" (why),
        WebhookFailingSince = "console-webhooks-failing-since" (since),
        WebhookWaiting = "console-webhooks-waiting" (count),
        WebhookFailedCount = "console-webhooks-failed-count" (count),
        WebhookNothingSent = "console-webhooks-nothing-sent",
        WebhookAddButton = "console-webhooks-add-button",
        WebhookUrlEmpty = "console-webhooks-url-empty",
        WebhookUrlTooLong = "console-webhooks-url-too-long",
        WebhookEventsNone = "console-webhooks-events-none",
        WebhookEventUnknown = "console-webhooks-event-unknown" (event),
        WebhookAdded = "console-webhooks-added",
        WebhookRotated = "console-webhooks-rotated",
        WebhookSecret = "console-webhooks-secret",
        WebhookSecretOnce = "console-webhooks-secret-once",
        WebhookOldSecret = "console-webhooks-old-secret",
        WebhookVerify = "console-webhooks-verify",
        WebhookVerifyHeaders = "console-webhooks-verify-headers",
        WebhookVerifyKey = "console-webhooks-verify-key",
        WebhookVerifySign = "console-webhooks-verify-sign",
        WebhookVerifyCompare = "console-webhooks-verify-compare",
        WebhookVerifyFresh = "console-webhooks-verify-fresh",
        WebhookVerifyLibrary = "console-webhooks-verify-library",
        WebhookToEndpoint = "console-webhooks-to-endpoint",
        BackToWebhooks = "console-webhooks-back",
        WebhookAddedBy = "console-webhooks-added-by" (who, when),
        WebhookId = "console-webhooks-id",
        WebhookActions = "console-webhooks-actions",
        WebhookDisable = "console-webhooks-disable",
        WebhookDisableHint = "console-webhooks-disable-hint",
        WebhookEnable = "console-webhooks-enable",
        WebhookTest = "console-webhooks-test",
        WebhookTestHint = "console-webhooks-test-hint",
        WebhookRotate = "console-webhooks-rotate",
        WebhookRotateHint = "console-webhooks-rotate-hint",
        WebhookRecover = "console-webhooks-recover",
        WebhookSince = "console-webhooks-since",
        WebhookSinceHint = "console-webhooks-since-hint",
        WebhookSinceBad = "console-webhooks-since-bad",
        WebhookRecoverDisabled = "console-webhooks-recover-disabled",
        WebhookDeliveries = "console-webhooks-deliveries",
        WebhookNoDeliveries = "console-webhooks-no-deliveries",
        WebhookEvent = "console-webhooks-event",
        WebhookCustomer = "console-webhooks-customer",
        WebhookAttempts = "console-webhooks-attempts",
        WebhookStatus = "console-webhooks-status",
        WebhookAnswer = "console-webhooks-answer",
        WebhookMessage = "console-webhooks-message",
        WebhookDelivered = "console-webhooks-delivered",
        WebhookPending = "console-webhooks-pending",
        WebhookFailed = "console-webhooks-failed",
        WebhookDeliveredAt = "console-webhooks-delivered-at" (when),
        WebhookNextAttempt = "console-webhooks-next-attempt" (when),
        WebhookLastAttempt = "console-webhooks-last-attempt" (when),
        WebhookReplay = "console-webhooks-replay",
        WebhookDoneEnabled = "console-webhooks-done-enabled",
        WebhookDoneDisabled = "console-webhooks-done-disabled",
        WebhookDoneReplayed = "console-webhooks-done-replayed" (message),
        WebhookDoneRecovered = "console-webhooks-done-recovered" (count),
        WebhookTestTitle = "console-webhooks-test-title",
        WebhookTestOk = "console-webhooks-test-ok" (url, status, ms, message),
        WebhookTestFailed = "console-webhooks-test-failed" (url, why, message),
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
