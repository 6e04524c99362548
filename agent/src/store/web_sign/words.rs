//! Every word Web Sign's pages show, by its id in the `## Web Sign` section of
//! `assets/i18n/<lang>.ftl` (a shop may override them as it does the kiosk's). The shop's
//! own texts — release clauses, health questions — come from its settings files.

#[cfg(test)]
use intake_common::i18n::Tr;
#[cfg(test)]
use intake_common::settings::Lang;

intake_common::message_ids! {
    /// A message a Web Sign page shows.
    pub enum WebMsg {
        Title = "web-title",
        Language = "web-language",
        StepOf = "web-step-of" (n, total),
        Greeting = "web-greeting" (name),
        Next = "web-next",
        Back = "web-back",
        Required = "web-required",
        Optional = "web-optional",
        ErrorsTitle = "web-errors-title",
        // The steps' headings.
        About = "web-about",
        Address = "web-address",
        Contacts = "web-contacts",
        Guardian = "web-guardian",
        GuardianHint = "web-guardian-hint" (age),
        Health = "web-health",
        HealthHint = "web-health-hint",
        Release = "web-release",
        ReleaseHint = "web-release-hint",
        Sign = "web-sign",
        Review = "web-review",
        ReviewHint = "web-review-hint",
        // Fields.
        FirstName = "web-first-name",
        MiddleName = "web-middle-name",
        LastName = "web-last-name",
        Nickname = "web-nickname",
        Birthdate = "web-birthdate",
        BirthdateHint = "web-birthdate-hint",
        Phone = "web-phone",
        Email = "web-email",
        Gender = "web-gender",
        Occupation = "web-occupation",
        OptIn = "web-opt-in",
        Street = "web-street",
        Street2 = "web-street2",
        City = "web-city",
        State = "web-state",
        PostalCode = "web-postal-code",
        Country = "web-country",
        Emergency = "web-emergency",
        EmergencyName = "web-emergency-name",
        EmergencyPhone = "web-emergency-phone",
        EmergencyRelation = "web-emergency-relation",
        Physician = "web-physician",
        PhysicianName = "web-physician-name",
        PhysicianPhone = "web-physician-phone",
        PhysicianPractice = "web-physician-practice",
        GuardianName = "web-guardian-name",
        GuardianRelation = "web-guardian-relation",
        Yes = "web-yes",
        No = "web-no",
        Details = "web-details",
        Initials = "web-initials",
        GuardianInitials = "web-guardian-initials",
        Agree = "web-agree",
        OptionalClause = "web-optional-clause",
        // The signature step.
        SignHint = "web-sign-hint",
        YourSignature = "web-your-signature",
        GuardianSignature = "web-guardian-signature",
        DrawHere = "web-draw-here",
        Clear = "web-clear",
        TypeInstead = "web-type-instead",
        TypedName = "web-typed-name",
        TypedConfirm = "web-typed-confirm",
        SignedAlready = "web-signed-already",
        // Review and after.
        Change = "web-change",
        Submit = "web-submit",
        NotGiven = "web-not-given",
        Declined = "web-declined",
        Accepted = "web-accepted",
        Done = "web-done" (name),
        DoneHint = "web-done-hint",
        StartAgain = "web-start-again",
        // What can be wrong with an answer.
        ErrRequired = "web-err-required",
        ErrEmail = "web-err-email",
        ErrPhone = "web-err-phone",
        ErrDate = "web-err-date",
        ErrDateFuture = "web-err-date-future",
        ErrDateOld = "web-err-date-old",
        ErrTooLong = "web-err-too-long" (max),
        ErrAnswer = "web-err-answer",
        ErrDetails = "web-err-details",
        ErrInitials = "web-err-initials",
        ErrAgree = "web-err-agree",
        ErrChoose = "web-err-choose",
        ErrSign = "web-err-sign",
        ErrTypedConfirm = "web-err-typed-confirm",
        ErrTypedLetters = "web-err-typed-letters",
        ErrImage = "web-err-image",
        ErrSaveFailed = "web-err-save-failed",
        // Refusals: a page of its own, in both languages.
        Refused = "web-refused",
        RefusedOff = "web-refused-off",
        RefusedExpired = "web-refused-expired",
        RefusedForged = "web-refused-forged",
        RefusedUsed = "web-refused-used",
        RefusedBusy = "web-refused-busy" (minutes),
        RefusedTooLarge = "web-refused-too-large" (size),
        RefusedField = "web-refused-field" (field, max),
        RefusedForm = "web-refused-form",
        RefusedLink = "web-refused-link",
        RefusedUnavailable = "web-refused-unavailable",
    }
}

/// The words of one language.
pub type Words<'a> = intake_common::i18n::Words<'a, WebMsg>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_web_sign_message_is_in_every_language_with_its_arguments() {
        let tr = Tr::built_in();
        let problems = tr.check::<WebMsg>("web-");
        assert!(problems.is_empty(), "{problems:#?}");
        let (en, es) = (Words::new(&tr, Lang::En), Words::new(&tr, Lang::Es));
        assert_ne!(en.get(WebMsg::Next), es.get(WebMsg::Next));
    }
}
