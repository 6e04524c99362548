//! Every string the kiosk shows, in every language it speaks.
//!
//! The words live in `assets/i18n/<lang>.ftl` (see [`intake_common::i18n`]); a shop may
//! override them from its settings directory. A screen never holds text of its own: it
//! asks [`Words`] for a message named by [`Msg`], so a misspelt id does not compile, and
//! the tests below check that every [`Msg`] exists in every language with the
//! placeholders the code gives it. The shop's own texts (release clauses, health
//! questions) come with their translations from the settings files.

use std::borrow::Cow;

use intake_common::i18n::{FluentArgs, Tr};
use intake_common::settings::Lang;

use crate::form::Input;

intake_common::message_ids! {
    /// A message the kiosk shows, by its id in the Fluent files.
    pub enum Msg {
        // Welcome screen
        Welcome = "welcome",
        HighContrast = "high-contrast",
        PhoneQr = "phone-qr",
        // A returning customer: the lookup, "Is this you?"
        YesFindMe = "yes-find-me",
        NoNew = "no-new",
        FindTitle = "find-title",
        FindHint = "find-hint",
        Find = "find",
        IsThisYou = "is-this-you",
        NotMe = "not-me",
        NoMatch = "no-match",
        NoMatchHint = "no-match-hint",
        HealthAgain = "health-again",
        LookupPaused = "lookup-paused" (minutes),
        // A returning customer's summary: "Is all of this still right?"
        RecapTitle = "recap-title",
        RecapHint = "recap-hint",
        RecapAllRight = "recap-all-right",
        Change = "change",
        Physician = "physician",
        // The steps of the form, named in the header
        StepOf = "step-of" (n, total),
        StepAbout = "step-about",
        StepGuardian = "step-guardian",
        StepAddress = "step-address",
        StepContacts = "step-contacts",
        StepHealth = "step-health",
        StepRelease = "step-release",
        StepSignature = "step-signature",
        StepReview = "step-review",
        // About you and your address: field labels
        FirstName = "first-name",
        MiddleName = "middle-name",
        LastName = "last-name",
        Nickname = "nickname",
        Email = "email",
        Phone = "phone",
        Birthdate = "birthdate",
        Gender = "gender",
        Street = "street",
        Street2 = "street2",
        City = "city",
        State = "state",
        PostalCode = "postal-code",
        Country = "country",
        Occupation = "occupation",
        OptIn = "opt-in",
        Optional = "optional",
        TapToType = "tap-to-type",
        DateFormat = "date-format",
        // Emergency contact and doctor
        EmergencyTitle = "emergency-title",
        EmergencyName = "emergency-name",
        EmergencyPhone = "emergency-phone",
        EmergencyRelationship = "emergency-relationship",
        PhysicianTitle = "physician-title",
        PhysicianName = "physician-name",
        PhysicianPhone = "physician-phone",
        PhysicianPractice = "physician-practice",
        // Health questions
        HealthHint = "health-hint",
        HealthNoneApply = "health-none-apply",
        Yes = "yes",
        No = "no",
        TellUsMore = "tell-us-more",
        // The release
        ReleaseHint = "release-hint",
        YourAge = "your-age" (age),
        Initials = "initials",
        AdoptInitials = "adopt-initials",
        PlaceInitials = "place-initials",
        GuardianInitials = "guardian-initials",
        ForGuardian = "for-guardian",
        OptionalClause = "optional-clause",
        Agree = "agree",
        Agreed = "agreed",
        MinorTitle = "minor-title",
        MinorHint = "minor-hint",
        GuardianName = "guardian-name",
        GuardianRelationship = "guardian-relationship",
        // Signature
        SignHere = "sign-here",
        GuardianSignHere = "guardian-sign-here",
        Clear = "clear",
        // Check and submit
        ReviewHint = "review-hint",
        Name = "name",
        Address = "address",
        Emergency = "emergency",
        HealthYesCount = "health-yes-count",
        HealthNone = "health-none",
        ClausesDone = "clauses-done",
        NotGiven = "not-given",
        ReviewRelationship = "review-relationship",
        ReviewYourSignature = "review-your-signature",
        ReviewGuardianSignature = "review-guardian-signature",
        Submit = "submit",
        // Thank you
        Thanks = "thanks" (name),
        ThanksAnonymous = "thanks-anonymous",
        ThanksHint = "thanks-hint",
        // The navigation bar
        Back = "back",
        Next = "next",
        StartOver = "start-over",
        SaveChanges = "save-changes",
        StartOverTitle = "start-over-title",
        StartOverHint = "start-over-hint",
        StartOverYes = "start-over-yes",
        StartOverNo = "start-over-no",
        // The idle warning
        StillThere = "still-there",
        StillHere = "still-here",
        ClearingIn = "clearing-in" (seconds),
        // What is wrong with an answer, shown under it
        ErrRequired = "err-required",
        ErrEmail = "err-email",
        ErrPhone = "err-phone",
        ErrDate = "err-date",
        ErrDateOrder = "err-date-order",
        ErrDateFuture = "err-date-future",
        ErrDateOld = "err-date-old",
        ErrTooLong = "err-too-long",
        ErrAnswer = "err-answer",
        ErrDetails = "err-details",
        ErrInitials = "err-initials",
        ErrTick = "err-tick",
        ErrSign = "err-sign",
        ErrGuardianSign = "err-guardian-sign",
        ErrFixAbove = "err-fix-above",
        ErrSave = "err-save",
        // Staff exit: the PIN pad and the staff menu
        StaffTitle = "staff-title",
        StaffHint = "staff-hint",
        Pin = "pin",
        StaffWrong = "staff-wrong",
        StaffLocked = "staff-locked",
        StaffChecking = "staff-checking",
        StaffOffline = "staff-offline",
        StaffSignedIn = "staff-signed-in" (name),
        StaffExit = "staff-exit",
        StaffBack = "staff-back",
        StaffWebSignShown = "staff-web-sign-shown" (address),
        StaffWebSignChecking = "staff-web-sign-checking" (address),
        StaffWebSignHidden = "staff-web-sign-hidden" (address, reason),
        Ok = "ok",
        // On-screen keyboard
        KeySpace = "key-space",
        KeyDone = "key-done",
        KeyNext = "key-next",
        KeyLetters = "key-letters",
        KeyDigits = "key-digits",
        KeyShift = "key-shift",
        KeyDelete = "key-delete",
    }
}

/// The words of one language: what a screen is drawn with.
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
    pub fn get(self, msg: Msg) -> Cow<'a, str> {
        debug_assert!(msg.args().is_empty(), "{msg:?} needs its arguments");
        self.tr.get(self.lang, msg.id())
    }

    fn with(self, msg: Msg, args: FluentArgs<'_>) -> Cow<'a, str> {
        debug_assert!(
            args.iter().count() == msg.args().len()
                && args.iter().all(|(k, _)| msg.args().contains(&k)),
            "{msg:?} is given the wrong arguments"
        );
        self.tr.args(self.lang, msg.id(), &args)
    }

    /// The label of an input.
    pub fn label(self, input: Input) -> Cow<'a, str> {
        input.label().map_or(Cow::Borrowed(""), |m| self.get(m))
    }

    /// "Step 2 of 7".
    pub fn step(self, n: usize, total: usize) -> Cow<'a, str> {
        let mut args = FluentArgs::new();
        args.set("n", n);
        args.set("total", total);
        self.with(Msg::StepOf, args)
    }

    /// The idle warning: "For your privacy, this form will be cleared in 12 seconds."
    pub fn clearing_in(self, seconds: u64) -> Cow<'a, str> {
        let mut args = FluentArgs::new();
        args.set("seconds", seconds);
        self.with(Msg::ClearingIn, args)
    }

    /// "Thank you, Ann!", or "Thank you!" for a customer who gave no first name.
    pub fn thanks(self, name: &str) -> Cow<'a, str> {
        if name.is_empty() {
            return self.get(Msg::ThanksAnonymous);
        }
        let mut args = FluentArgs::new();
        args.set("name", name);
        self.with(Msg::Thanks, args)
    }

    /// "You are 17 years old."
    pub fn age_line(self, age: u32) -> Cow<'a, str> {
        let mut args = FluentArgs::new();
        args.set("age", age);
        self.with(Msg::YourAge, args)
    }

    /// "Too many tries. Please wait 2 minutes, or ask at the counter."
    pub fn lookup_paused(self, minutes: u64) -> Cow<'a, str> {
        let mut args = FluentArgs::new();
        args.set("minutes", minutes);
        self.with(Msg::LookupPaused, args)
    }

    /// The words on the on-screen keyboard's keys.
    pub fn keys(self) -> crate::keyboard::Labels<'a> {
        crate::keyboard::Labels {
            space: self.get(Msg::KeySpace),
            done: self.get(Msg::KeyDone),
            next: self.get(Msg::KeyNext),
            letters: self.get(Msg::KeyLetters),
            digits: self.get(Msg::KeyDigits),
            shift: self.get(Msg::KeyShift),
            delete: self.get(Msg::KeyDelete),
            ok: self.get(Msg::Ok),
        }
    }

    /// "Signed in as olive".
    pub fn signed_in(self, name: &str) -> Cow<'a, str> {
        let mut args = FluentArgs::new();
        args.set("name", name);
        self.with(Msg::StaffSignedIn, args)
    }

    /// Where the Web Sign QR code stands, for staff: shown, being checked, or hidden and why.
    pub fn web_sign_status(
        self,
        address: &str,
        verdict: Option<&intake_common::phone_trust::Verdict>,
    ) -> Cow<'a, str> {
        use intake_common::phone_trust::Verdict;
        let mut args = FluentArgs::new();
        args.set("address", address.to_string());
        let msg = match verdict {
            None => Msg::StaffWebSignChecking,
            Some(Verdict::Trusted) => Msg::StaffWebSignShown,
            Some(Verdict::Refused(why)) => {
                args.set("reason", why.to_string());
                Msg::StaffWebSignHidden
            }
        };
        self.with(msg, args)
    }
}

impl crate::app::Kiosk {
    /// The words of the language the customer chose.
    pub fn words(&self) -> Words<'_> {
        Words::new(&self.settings.tr, self.lang)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_message_the_kiosk_shows_is_in_every_language_with_its_arguments() {
        use crate::counter::words::CounterMsg;
        let tr = Tr::built_in();
        // The customer kiosk's messages and the counter display's.
        let shown: Vec<(&str, &[&str])> = Msg::ALL
            .iter()
            .map(|m| (m.id(), m.args()))
            .chain(CounterMsg::ALL.iter().map(|m| (m.id(), m.args())))
            .collect();
        let mismatches = tr.mismatches(shown.iter().copied());
        assert!(mismatches.is_empty(), "{mismatches:#?}");
        // And no message in the files is left unused (the release PDF's and the Web Sign
        // poster's are common's own, Web Sign's, `web-`, the store's).
        let pdf = intake_common::release::pdf::Msg::ALL.iter().map(|m| m.id());
        let poster = intake_common::poster::Msg::ALL.iter().map(|m| m.id());
        let used: BTreeSet<&str> = shown
            .iter()
            .map(|(id, _)| *id)
            .chain(pdf)
            .chain(poster)
            .collect();
        let unused: Vec<_> = tr
            .ids(Lang::En)
            .filter(|id| {
                !used.contains(id) && !id.starts_with("web-") && !id.starts_with("console-")
            })
            .collect();
        assert!(unused.is_empty(), "not shown anywhere: {unused:?}");
    }

    #[test]
    fn spanish_is_a_translation_not_a_copy() {
        let tr = Tr::built_in();
        let (en, es) = (Words::new(&tr, Lang::En), Words::new(&tr, Lang::Es));
        assert_ne!(en.get(Msg::NoNew), es.get(Msg::NoNew));
        assert_ne!(en.get(Msg::ErrRequired), es.get(Msg::ErrRequired));
        assert_eq!(
            es.clearing_in(9),
            "Por su privacidad, este formulario se borrará en 9 segundos."
        );
        assert_eq!(en.thanks("Ann"), "Thank you, Ann!");
        assert_eq!(en.thanks(""), "Thank you!");
        assert_eq!(es.thanks(""), "¡Gracias!");
        assert_eq!(en.step(2, 7), "Step 2 of 7");
        assert_eq!(es.age_line(1), "Tiene 1 año.");
        assert_eq!(es.age_line(17), "Tiene 17 años.");
        assert_eq!(en.signed_in("olive"), "Signed in as olive");
    }
}
