//! The counter display's words: its own message ids, under "## Counter display" in
//! `assets/i18n/<lang>.ftl`, apart from the customer kiosk's [`crate::i18n::Msg`].

use std::borrow::Cow;

use intake_common::Role;
use intake_common::customer::MedicalKind;
use intake_common::i18n::{FluentArgs, FluentValue, Tr};
use intake_common::settings::Lang;

intake_common::message_ids! {
    /// A message the counter display shows, by its id in the Fluent files.
    pub enum CounterMsg {
        Title = "counter-title",
        // Sign-in
        SignIn = "counter-sign-in",
        EnterPin = "counter-enter-pin",
        PinWrong = "counter-pin-wrong",
        PinLocked = "counter-pin-locked",
        Ok = "counter-ok",
        KeyDelete = "counter-key-delete",
        SignOut = "counter-sign-out",
        Close = "counter-close",
        SignedIn = "counter-signed-in" (name, role),
        RoleOwner = "counter-role-owner",
        RoleManager = "counter-role-manager",
        RoleArtist = "counter-role-artist",
        RoleFrontDesk = "counter-role-front-desk",
        // Today's check-ins
        CheckIns = "counter-check-ins" (count),
        NoCheckIns = "counter-no-check-ins",
        Flags = "counter-flags" (count),
        Medical = "counter-medical" (count),
        Checked = "counter-checked",
        Minor = "counter-minor" (age),
        Guardian = "counter-guardian" (name, relationship),
        // Search
        Find = "counter-find",
        FindHint = "counter-find-hint",
        NoMatch = "counter-no-match",
        // The customer card
        Back = "counter-back",
        Born = "counter-born" (date),
        // The Safety Panel
        Safety = "counter-safety",
        SafetyClear = "counter-safety-clear",
        MedicalHidden = "counter-medical-hidden" (count),
        KindAllergy = "counter-kind-allergy",
        KindCondition = "counter-kind-condition",
        KindDisease = "counter-kind-disease",
        KindMedication = "counter-kind-medication",
        KindOther = "counter-kind-other",
        MedicalLine = "counter-medical-line" (kind, name, date),
        MedicalDetails = "counter-medical-details" (kind, name, details, date),
        Earlier = "counter-earlier" (count),
        HideEarlier = "counter-hide-earlier",
        LastRead = "counter-last-read" (name, time),
        Acknowledged = "counter-acknowledged",
        Acknowledge = "counter-acknowledge",
        // Sessions, notes, contacts
        Sessions = "counter-sessions",
        SessionOpen = "counter-session-open" (what, artist, start),
        SessionDone = "counter-session-done" (what, artist, start, end),
        EndSession = "counter-end-session",
        SessionHint = "counter-session-hint",
        StartSession = "counter-start-session",
        ReadFirst = "counter-read-first",
        Notes = "counter-notes",
        NoteLine = "counter-note-line" (body, author, time),
        NoteHint = "counter-note-hint",
        AddNote = "counter-add-note",
        Emergency = "counter-emergency",
        Physician = "counter-physician",
        ContactName = "counter-contact-name",
        ContactPhone = "counter-contact-phone",
        Relationship = "counter-relationship",
        Practice = "counter-practice",
        SaveEmergency = "counter-save-emergency",
        SavePhysician = "counter-save-physician",
        // Signed releases
        Releases = "counter-releases",
        NoReleases = "counter-no-releases",
        ReleaseLine = "counter-release-line" (date, template, language),
        ReleaseElsewhere = "counter-release-elsewhere",
        OpenRelease = "counter-open-release",
        ReleaseOpened = "counter-release-opened",
        ReleaseSaved = "counter-release-saved" (file),
        // The sync line
        SyncHere = "counter-sync-here",
        SyncOk = "counter-sync-ok" (waiting, time),
        SyncNever = "counter-sync-never" (waiting),
        SyncOffline = "counter-sync-offline" (waiting),
        SyncRefused = "counter-sync-refused" (count),
        SyncUnknown = "counter-sync-unknown",
        // What an action said
        NotAllowed = "counter-not-allowed",
        Failed = "counter-failed" (problem),
        NoteEmpty = "counter-note-empty",
        NoteAdded = "counter-note-added",
        ContactNoName = "counter-contact-no-name",
        ContactBadPhone = "counter-contact-bad-phone" (problem),
        ContactSaved = "counter-contact-saved",
        SessionNoWhat = "counter-session-no-what",
        SessionStarted = "counter-session-started",
        SessionEnded = "counter-session-ended",
        ReadDone = "counter-read-done",
        // The kiosk's staff menu
        OpenDisplay = "counter-open-display",
    }
}

/// The counter's words in one language.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    tr: &'a Tr,
    lang: Lang,
}

impl<'a> Words<'a> {
    pub fn new(tr: &'a Tr, lang: Lang) -> Self {
        Self { tr, lang }
    }

    /// A message without placeholders.
    pub fn get(self, msg: CounterMsg) -> Cow<'a, str> {
        debug_assert!(msg.args().is_empty(), "{msg:?} needs its arguments");
        self.tr.get(self.lang, msg.id())
    }

    /// A message with its placeholders, given in the order [`CounterMsg::args`] names them.
    pub fn with<'v>(self, msg: CounterMsg, values: &[FluentValue<'v>]) -> Cow<'a, str> {
        debug_assert_eq!(values.len(), msg.args().len(), "{msg:?}'s arguments");
        let mut args = FluentArgs::new();
        for (name, value) in msg.args().iter().zip(values) {
            args.set(*name, value.clone());
        }
        self.tr.args(self.lang, msg.id(), &args)
    }

    pub fn role(self, role: Role) -> Cow<'a, str> {
        self.get(match role {
            Role::Owner => CounterMsg::RoleOwner,
            Role::Manager => CounterMsg::RoleManager,
            Role::Artist => CounterMsg::RoleArtist,
            Role::FrontDesk | Role::Kiosk | Role::Counter => CounterMsg::RoleFrontDesk,
        })
    }

    pub fn kind(self, kind: MedicalKind) -> Cow<'a, str> {
        self.get(match kind {
            MedicalKind::Allergy => CounterMsg::KindAllergy,
            MedicalKind::Condition => CounterMsg::KindCondition,
            MedicalKind::Disease => CounterMsg::KindDisease,
            MedicalKind::Medication => CounterMsg::KindMedication,
            MedicalKind::Other => CounterMsg::KindOther,
        })
    }
}

/// A value for [`Words::with`].
pub fn v<'v>(value: impl Into<FluentValue<'v>>) -> FluentValue<'v> {
    value.into()
}
