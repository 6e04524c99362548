# The kiosk's words in English. English is complete: every other language has
# every message here, with the same placeholders.

## Welcome screen

welcome = Welcome! Check in and sign your release here.
high-contrast = High contrast
phone-qr = Or scan to fill in the form on your phone

## A returning customer: "Have you been here before?", the lookup, "Is this you?"

yes-find-me = I've been here before
no-new = I'm new here
find-title = Find your details
find-hint = Enter your birthdate and the phone number you gave us last time.
find = Find me
is-this-you = Is this you?
not-me = That's not me
no-match = We couldn't find a match
no-match-hint = No problem — we'll start a new form.
health-again = Please check your details. We'll ask the health questions again.
lookup-paused = Too many tries. Please wait { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
} and try again, or check in as new.
recap-title = Is all of this still right?
recap-hint = If all of this is still right, tap "Yes, that's me". Tap Change next to anything that has changed. Details we have on file stay hidden.
recap-all-right = Yes, that's me
change = Change
physician = Doctor

## The steps of the form, named in the header

# $n: this step's number; $total: how many steps there are
step-of = Step { $n } of { $total }
step-about = About you
step-guardian = Parent or guardian
step-address = Your address
step-contacts = Emergency contact and doctor
step-health = Health questions
step-release = Release
step-signature = Signature
step-review = Check and submit

## About you and your address: field labels

first-name = First name
middle-name = Middle name
last-name = Last name
nickname = Nickname
email = Email
phone = Mobile phone
birthdate = Date of birth
gender = Gender
street = Street address
street2 = Apartment, suite
city = City
state = State
postal-code = ZIP code
country = Country
occupation = Occupation
opt-in = Send me appointment reminders and studio news
optional = (optional)
tap-to-type = Tap to type
# How a birthdate is typed: the order of the digits matches the language's date order
date-format = MM/DD/YYYY

## Emergency contact and doctor

emergency-title = Who should we call in an emergency?
emergency-name = Contact's name
emergency-phone = Contact's phone
emergency-relationship = Relationship to you
physician-title = Your doctor
physician-name = Doctor's name
physician-phone = Doctor's phone
physician-practice = Practice or clinic

## Health questions

health-hint = Your answers are private: only the staff who need them can see them.
health-none-apply = None of these apply to me
yes = Yes
no = No
tell-us-more = Please tell us more

## The release

release-hint = Read each statement, then initial or tick it.
# $age: the customer's age in years, from the birthdate
your-age = You are { $age ->
        [one] { $age } year
       *[other] { $age } years
    } old.
initials = Initials
adopt-initials = Your initials. Tap a statement's button to place them on it.
place-initials = Tap to initial
guardian-initials = Parent or guardian's initials
for-guardian = For the parent or guardian
optional-clause = Optional: you may say no and still check in
agree = I agree
agreed = Agreed
minor-title = A parent or guardian must sign
minor-hint = Because you are under the age of consent, a parent or legal guardian signs with you.
guardian-name = Guardian's full name
guardian-relationship = Relationship (parent, legal guardian)

## Signature

sign-here = Sign here with your finger
guardian-sign-here = Parent or guardian signs here
clear = Clear

## Check and submit

review-hint = Please check everything. Tap Change next to a section to change it.
name = Name
address = Address
emergency = Emergency contact
# Followed by a list of the questions answered "yes"
health-yes-count = Health: you answered yes to
health-none = Health: no conditions reported
clauses-done = Release: every required statement confirmed
not-given = Not given
review-relationship = Relationship
review-your-signature = Your signature
review-guardian-signature = Parent or guardian's signature
submit = Sign and submit

## Thank you

# $name: the customer's first name
thanks = Thank you, { $name }!
# When the customer gave no first name
thanks-anonymous = Thank you!
thanks-hint = You're checked in. Take a seat — your artist will be with you shortly.

## The navigation bar

back = Back
next = Next
start-over = Start over
save-changes = Save and go back
start-over-title = Start over?
start-over-hint = Everything you have entered will be cleared.
start-over-yes = Yes, clear it all
start-over-no = No, keep going

## The idle warning

still-there = Are you still there?
still-here = I'm still here
# $seconds: seconds left before the form is wiped
clearing-in = For your privacy, this form will be cleared in { $seconds ->
        [one] { $seconds } second
       *[other] { $seconds } seconds
    }.

## What is wrong with an answer, shown under it

err-required = Please fill this in.
err-email = This email doesn't look right. It should look like name@example.com.
err-phone = Please enter the phone number with its area code. A number from another country starts with + and its country code.
err-date = Please enter a real date.
err-date-order = Please type the month first, then the day: MM/DD/YYYY.
err-date-future = A date of birth can't be in the future.
err-date-old = Please check the year.
err-too-long = This is too long.
err-answer = Please answer Yes or No.
err-details = Please tell us more about this.
err-initials = Please tap to place your initials on this statement.
err-tick = Please tap "I agree" to agree.
err-sign = Please sign in the box.
err-guardian-sign = The parent or guardian must sign in their box.
err-fix-above = Some answers need another look — see the messages in red.
err-save = Sorry — we couldn't save your form. Please ask at the counter. Nothing you entered has been lost.

## Staff exit: the PIN pad and the staff menu

staff-title = Staff
staff-hint = Enter your staff PIN.
pin = PIN
staff-wrong = That PIN is not right.
staff-locked = Too many wrong PINs. Try again in a minute.
staff-checking = Checking the PIN…
staff-offline = Offline: use this kiosk's exit code.
# $name: the staff member's user name
staff-signed-in = Signed in as { $name }
staff-exit = Close the kiosk
staff-back = Back to check-in
# The Web Sign QR code's state, on the staff menu. $address: the shop's web_sign_url
staff-web-sign-shown = Web Sign: phones can open { $address }, and its QR code is on the welcome screen.
staff-web-sign-checking = Web Sign: checking whether phones can open { $address }…
# $reason: why a phone would refuse the address (in English, from the store's check)
staff-web-sign-hidden = Web Sign: the QR code is hidden, because a phone would not open { $address }: { $reason }
ok = OK

## On-screen keyboard

key-space = space
key-done = Done
key-next = Next
key-letters = ABC
key-digits = 123
key-shift = Shift
key-delete = Delete

## Release PDF
# The signed release as printed, in the language it was signed in.

pdf-customer = Customer
pdf-first-name = First name
pdf-middle-name = Middle name
pdf-last-name = Last name
pdf-nickname = Nickname
pdf-birthdate = Date of birth
pdf-gender = Gender
pdf-phone = Phone
pdf-email = Email
pdf-street = Street
pdf-street2 = Apartment, suite
pdf-city = City
pdf-state = State
pdf-postal-code = Postal code
pdf-country = Country
pdf-occupation = Occupation
pdf-opt-in = Reminders and news
pdf-age = Age at signing
pdf-contacts = Contacts
pdf-emergency = Emergency contact
pdf-physician = Physician
pdf-none-given = none given
pdf-health = Health answers
pdf-no-questions = The shop asked no health questions.
pdf-yes = Yes
pdf-no = No
pdf-release = Release
# $initials: what the signer wrote against a clause
pdf-initials = Initials: { $initials }
pdf-ticked = Agreed (ticked)
pdf-accepted = Accepted
pdf-declined = Declined
pdf-by-guardian = Confirmed by the parent or guardian.
pdf-signature = Signature
# $name: the customer; $date: when they signed (pdf-date-time)
pdf-signed-by = Signed by { $name } on { $date }
pdf-guardian = Parent or guardian
pdf-guardian-name = Name
pdf-relationship = Relationship
# $guardian: who signed; $name: the minor; $date: when (pdf-date-time)
pdf-guardian-signed-by = Signed by { $guardian } for { $name } on { $date }
pdf-record = Record
pdf-record-release = Release
pdf-signed-at = Signed at
pdf-device = Device
pdf-template = Template
# $id: the template's id; $version: its version number
pdf-template-version = { $id } version { $version }
pdf-language = Language
pdf-sha-note = The SHA-256 is computed over the signed content as stored; the QR code holds the release id and the same hash.
# $id: the release; $page and $count: this page's number and how many there are
pdf-footer = Release { $id } · page { $page } of { $count }
# $year, $month (1 to 12) and $day of a date
pdf-date = { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    } { $day }, { $year }
# $date: a date (pdf-date); $time: hours and minutes, UTC
pdf-date-time = { $date } at { $time } UTC
## Counter display

counter-title = Counter
counter-sign-in = Staff sign-in
counter-enter-pin = Enter your PIN
counter-pin-wrong = That PIN is not right.
counter-pin-locked = Too many wrong PINs. Try again in a minute.
counter-ok = OK
counter-key-delete = Delete
counter-sign-out = Sign out
counter-close = Back to the kiosk
# $name: the staff member's user name; $role: their role, from the role messages below
counter-signed-in = { $name } · { $role }
counter-role-owner = owner
counter-role-manager = manager
counter-role-artist = artist
counter-role-front-desk = front desk
counter-check-ins = Today's check-ins ({ $count })
counter-no-check-ins = Nobody has checked in yet today.
counter-flags = { $count ->
    [one] ⚑ 1 flag
   *[other] ⚑ { $count } flags
}
counter-medical = { $count ->
    [one] ✚ 1 health answer
   *[other] ✚ { $count } health answers
}
counter-checked = ✓ read
counter-minor = Minor, { $age }
# $name, $relationship: as the guardian wrote them on the release
counter-guardian = Guardian: { $name } ({ $relationship })
counter-find = Find a customer
counter-find-hint = Name, e-mail or phone
counter-no-match = No customer matches.
counter-back = ‹ Back
counter-born = born { $date }
counter-safety = ⚠ Safety Panel
counter-safety-clear = Safety Panel: no flags, no health answers to read.
counter-medical-hidden = { $count ->
    [one] ✚ 1 health answer — only a manager or an artist can read it.
   *[other] ✚ { $count } health answers — only a manager or an artist can read them.
}
counter-kind-allergy = allergy
counter-kind-condition = condition
counter-kind-disease = disease
counter-kind-medication = medication
counter-kind-other = other
# $date: when the answer was given
counter-medical-line = ✚ { $kind }: { $name } · { $date }
counter-medical-details = ✚ { $kind }: { $name } — { $details } · { $date }
counter-earlier = { $count ->
    [one] 1 earlier answer
   *[other] { $count } earlier answers
}
counter-hide-earlier = Hide earlier answers
counter-last-read = Last read by { $name } at { $time }
counter-acknowledged = ✓ Read and acknowledged
counter-acknowledge = I have read this
counter-sessions = Sessions
counter-session-open = { $what } — { $artist }, started { $start }
counter-session-done = { $what } — { $artist }, { $start }–{ $end }
counter-end-session = End session
counter-session-hint = What is the session? e.g. forearm tattoo
counter-start-session = Start session
counter-read-first = Read the Safety Panel and tap "I have read this" first.
counter-notes = Notes
counter-note-line = { $body } — { $author }, { $time }
counter-note-hint = Add a note
counter-add-note = Add note
counter-emergency = Emergency contact
counter-physician = Doctor
counter-contact-name = Name
counter-contact-phone = Phone
counter-relationship = Relationship
counter-practice = Practice
counter-save-emergency = Save emergency contact
counter-save-physician = Save doctor
counter-releases = Signed releases
counter-no-releases = No signed release yet.
# $date: when it was signed; $template: the release's title and version; $language: the language it was signed in
counter-release-line = { $date } · { $template } · { $language }
counter-release-elsewhere = The signed copy is kept on the shop's main computer.
counter-open-release = Open
counter-release-opened = The release is open in the document viewer.
counter-release-saved = Saved as { $file }
counter-sync-here = Saved on this computer
counter-sync-ok = { $waiting ->
    [0] Up to date ({ $time })
   *[other] Synced at { $time } · { $waiting } waiting to send
}
counter-sync-never = Not connected yet · { $waiting } waiting to send
counter-sync-offline = Working offline — will sync · { $waiting } waiting to send
counter-sync-refused = { $count ->
    [one] 1 change not accepted — tell the owner
   *[other] { $count } changes not accepted — tell the owner
}
counter-sync-unknown = Cannot tell whether this computer is up to date
counter-not-allowed = Your role cannot do that. Ask a manager.
# $problem: what went wrong, in the words of the part that failed
counter-failed = That did not work: { $problem }
counter-note-empty = Write the note first.
counter-note-added = Note added.
counter-contact-no-name = The contact needs a name.
counter-contact-bad-phone = Phone: { $problem }
counter-contact-saved = Contact saved.
counter-session-no-what = Say what the session is, e.g. forearm tattoo.
counter-session-started = Session started.
counter-session-ended = Session ended.
counter-read-done = Safety Panel read.
counter-open-display = Open the counter display

## Web Sign

web-title = Check in
# $name: the first name staff typed when making the customer's link
web-greeting = Hello, { $name }. The studio made this link for you.
web-language = Language
# $n: this step's number; $total: how many steps there are
web-step-of = Step { $n } of { $total }
web-next = Next
web-back = Back
web-required = required
web-optional = optional
web-errors-title = There is a problem
web-about = About you
web-address = Your address
web-contacts = Emergency contact and physician
web-guardian = Parent or guardian
# $age: the shop's adult age
web-guardian-hint = You are under { $age }: a parent or legal guardian signs with you.
web-health = Health questions
web-health-hint = Answer each question. Your answers are kept private and seen only by the artist.
web-release = The release
web-release-hint = Read each clause. Write your initials where asked, and answer Yes or No to the optional ones.
web-sign = Your signature
web-review = Check your answers
web-review-hint = Check everything below. Use Change to correct a section, then send it.
web-first-name = First name
web-middle-name = Middle name
web-last-name = Last name
web-nickname = Nickname
web-birthdate = Date of birth
web-birthdate-hint = Pick or type your date of birth.
web-phone = Mobile phone
web-email = Email
web-gender = Gender
web-occupation = Occupation
web-opt-in = Send me news and offers by email
web-street = Street address
web-street2 = Apartment, suite, unit
web-city = City
web-state = State or province
web-postal-code = ZIP or postal code
web-country = Country
web-emergency = Emergency contact
web-emergency-name = Contact's name
web-emergency-phone = Contact's phone
web-emergency-relation = Relationship to you
web-physician = Physician
web-physician-name = Physician's name
web-physician-phone = Physician's phone
web-physician-practice = Practice or clinic
web-guardian-name = Parent or guardian's full name
web-guardian-relation = Relationship to you
web-yes = Yes
web-no = No
web-details = Details
web-initials = Your initials
web-guardian-initials = Parent or guardian's initials
web-agree = I agree
web-optional-clause = Do you agree? (optional)
web-sign-hint = Sign with your finger in the box, or type your name instead.
web-your-signature = Your signature
web-guardian-signature = Parent or guardian's signature
web-draw-here = Signature pad: draw your signature here
web-clear = Clear
web-type-instead = Or type your name as your signature:
web-typed-name = Full name
web-typed-confirm = This typed name is my signature
web-signed-already = Signed. Sign again below to replace it.
web-change = Change
web-submit = Sign and send
web-not-given = Not given
web-declined = Declined
web-accepted = Agreed
# $name: the customer's first name or nickname
web-done = Thank you, { $name }. You are checked in.
web-done-hint = Your signed release is with the studio. You can close this page.
web-start-again = Start again
web-err-required = This is required.
web-err-email = Enter an email address like name@example.com.
web-err-phone = Enter a phone number that can be dialled, with its area code.
web-err-date = Enter the date as year-month-day, e.g. 1990-04-23.
web-err-date-future = The date cannot be in the future.
web-err-date-old = Check the year: that date is too long ago.
# $max: the most characters the field takes
web-err-too-long = This is too long: at most { $max } characters.
web-err-answer = Answer Yes or No.
web-err-details = Tell us more about this Yes.
web-err-initials = Write your initials here.
web-err-agree = Tick "I agree" to go on.
web-err-choose = Choose Yes or No.
web-err-sign = Sign in the box, or type your name and tick "This typed name is my signature".
web-err-typed-confirm = Tick "This typed name is my signature" to use your typed name.
web-err-typed-letters = The typed name has letters that cannot be shown: sign in the box instead.
web-err-image = The drawn signature could not be used: clear it and sign again.
web-err-save-failed = Your release could not be saved just now. Nothing was stored: please try again, or ask at the counter.
web-refused = This form could not be used
web-refused-off = Signing on the web is not turned on at this studio. Please check in at the studio.
web-refused-expired = This form was opened too long ago. Nothing was stored: please start again.
web-refused-forged = This page could not be checked: it was changed, or it came from another browser or site. Nothing was stored: please start again.
web-refused-used = This form was already sent. Nothing more was stored.
# $minutes: how long to wait
web-refused-busy = Too many tries from your connection. Nothing was stored: please wait { $minutes } minutes and try again.
# $size: the largest form taken, e.g. 512 KiB
web-refused-too-large = The form sent was larger than { $size }. Nothing was stored: please start again.
# $field: the form field; $max: the most characters it takes
web-refused-field = The field { $field } was longer than { $max } characters. Nothing was stored.
web-refused-form = The form sent was not one of these pages'. Nothing was stored.
web-refused-link = This link cannot be used: it was used already, it has ended, or it is not one the studio made. Nothing was stored: ask the studio for a new link.
web-refused-unavailable = This page cannot be opened just now. Please try again in a minute, or ask at the counter.

## The Web Sign poster (intake-agent web-sign poster)

poster-headline = Sign your release on your phone
poster-scan = 1. Open your phone's camera and point it at the code.
poster-fill = 2. Tap the link, fill in the form and sign with your finger.
poster-private = 3. Your answers go straight to the studio. Nothing to install.
poster-address = Or type this address:

## Staff console (the store's pages at /console)

console-customers = Customers
console-language = Language
console-skip = Skip to content
console-sections = Console sections
console-sign-out = Sign out
console-role-owner = owner
console-role-manager = manager
console-role-artist = artist
console-role-front-desk = front desk
console-back-to-customers = Back to the customers
console-not-found = Not found
console-forbidden = Not allowed
console-failed = That did not work
console-store-fault = The store could not do this. Nothing was changed; the reason is in the store's log. Try again, and tell whoever looks after the store if it happens again.
console-refused-form = This form is out of date or was not sent from this console. Nothing was changed: open the page again and send it from there.
console-session-ended = Your session has ended. Nothing was changed: sign in again.
console-refused-origin = This request did not come from the console's own pages, so it was refused. Nothing was changed.
console-forbidden-why = Your role does not allow this page. Ask the shop's owner if you need it.
console-no-such-page = The console has no such page.
console-too-large = What was sent is larger than this page takes. Nothing was changed.
console-sign-in-title = Sign in to the console
console-name = Name
console-pin = PIN
console-sign-in = Sign in
console-bad-pin = That name and PIN do not match. Check both and try again.
console-locked = Too many wrong PINs: signing in is locked for { $minutes } min.
console-customer-count = ({ $count })
console-search-label = Search by name, e-mail or phone
console-search = Search
console-checked-in-at = Checked in at
console-all-locations = All locations
console-location = Location
console-add-customer = Add customer
console-no-customers = No customers yet.
console-none-found = No customer matches that search.
console-pages = Pages
console-first-page = First page
console-next-page = Next page
console-name-column = Name
console-added = Added
console-unnamed = (no name)
console-active = Active
console-inactive = Inactive
console-yes = Yes
console-no = No
console-columns = Columns
console-columns-hint = Columns shown in the list (yours only)
console-save-columns = Show these columns
console-edit = Edit
console-delete = Delete
console-profile = Profile
console-notes = Notes
console-no-notes = No notes.
console-add-note = Add a note
console-save-note = Save note
console-services = Services and sessions
console-no-services = No services recorded.
console-releases = Signed releases
console-no-releases = No signed releases.
console-download-pdf = Download PDF
console-history = History of changes
console-when = When
console-who = Who
console-what = What
console-not-given = Not given
console-safety-panel = Safety Panel
console-flags = Flags
console-no-flags = No flags.
console-medical = Medical details
console-no-medical = No medical details recorded.
console-medical-hidden = { $count } medical record(s): your role does not show medical details.
console-emergency = Emergency contact
console-physician = Physician
console-last-read = Last read at the counter
console-add-flag = Add a flag
console-flag-kind = Kind of flag
console-flag-note = Note (optional)
console-save-flag = Save flag
console-edit-customer = Edit customer
console-fix-these = Please fix these
console-save = Save
console-cancel = Cancel
console-needs-identity = A customer needs at least a first name, a last name, an e-mail or a phone number.
console-delete-title = Delete { $name }?
console-delete-warning = The customer, their notes, flags, medical details and services are removed from this store and from every paired device at its next sync. The deletion is recorded in the audit log and announced to webhooks. A customer with signed releases is not deleted: the shop must keep the releases.
console-delete-confirm = Yes, delete { $name }
console-delete-unconfirmed = confirm: tick the box to delete the customer. Nothing was deleted.
console-erase = Erase
console-erase-title = Erase { $name }?
console-erase-warning = Their profile, notes, contacts, medical details, flags and services are removed for good at once: from this store, from every paired device at its next sync, and from the webhook messages not yet sent; webhooks hear that the customer was erased. The erasure log keeps their id and the date, nothing else. Use this when a customer asks to be erased.
console-erase-kept = Signed releases the law still asks the shop to keep stay, sealed and restricted: only staff with the legal:customer permission can open them, each view recorded in the audit log. Each goes on its date below.
console-erase-none-kept = No signed release of theirs still has to be kept: everything goes.
console-erase-confirm = Yes, erase { $name } for good
console-erase-unconfirmed = confirm: tick the box to erase the customer. Nothing was erased.
console-signed-on = Signed
console-kept-until = Kept until
console-kept-until-date = kept until { $date }
console-erased-title = Erased customer
console-erased-on = This customer was erased on { $date }. Nothing of theirs is shown.
console-erased-restricted = Releases kept until their date
console-retention = How long records are kept
console-retention-hint = In whole years. Releases and health answers must be kept 2 years in Tennessee, Texas, South Dakota and New York City, 3 in Michigan, 5 in some cities; a minor's often until some years after their 18th birthday. What passed its date is deleted for good every day.
console-retention-unset = No retention policy is set yet: the store keeps everything and deletes nothing by itself. Tick the box below and save to set one.
console-retention-on = Delete what passed its date, every day, by the figures below
console-retention-legal-only = Only staff with the legal:customer permission (owners) can change how long records are kept.
console-release-years = Signed releases, after signing
console-release-years-hint = 1 to 50 years, with their signatures and health answers.
console-minor-years = A minor's release, years after coming of age
console-minor-years-hint = 0 to 50: kept until the signer has been of age this long, if that is later.
console-customer-years = Customers with nothing left to keep, after their last visit
console-customer-years-hint = 1 to 50 years.
console-audit-years = Audit log entries
console-audit-years-hint = 1 to 50 years.
console-field-first-name = First name
console-field-middle-name = Middle name
console-field-last-name = Last name
console-field-nickname = Nickname
console-field-email = E-mail
console-field-phone-number = Phone
console-field-birthdate = Date of birth
console-field-gender = Gender
console-field-street = Street
console-field-street2 = Address line 2
console-field-city = City
console-field-state = State or province
console-field-postal-code = Postal code
console-field-country = Country
console-field-occupation = Occupation
console-field-notes = Notes on file
console-field-company = Company
console-field-reference-id = Reference
console-field-status = Status
console-field-opt-in = Agrees to messages
console-field-membership-number = Membership number

## Staff console: import

console-import = Import
console-import-title = Import customers
console-import-hint = Upload a customer list, as CSV or as a spreadsheet (.xlsx, .xls, .ods): Intake's own layout, or another app's export (Square, Vagaro, Fresha, Acuity and others are recognised). You will see which field each column fills, and can change any of them, before anything is stored.
console-import-file = Customer list (CSV or spreadsheet)
console-import-upload = Upload
console-import-yours = Your uploads
console-import-not-a-form = The upload could not be read. Choose the file again and send it from this page.
console-import-too-many = Too many uploads are waiting. Import or discard one first (uploads are forgotten after an hour).
console-import-no-file = file: choose a CSV file to upload (the one sent was empty).
console-import-state-ready = waiting for you
console-import-state-running = importing
console-import-state-done = finished
console-import-mapping = Which field each column fills
console-import-column = Column in the file
console-import-sample = First row
console-import-field = Field
console-import-leave-out = Leave out
console-import-id-column = Intake customer id
console-import-dates = How the file writes dates
console-dates-auto = Work it out from the file
console-dates-iso = Year-month-day (2026-12-31)
console-dates-mdy = Month/day/year (12/31/2026)
console-dates-dmy = Day/month/year (31/12/2026)
console-import-check-hint = Checking reads every row and stores nothing.
console-import-check = Check the whole file
console-import-discard = Discard this upload
console-import-layout = Layout: { $layout }
console-import-unreadable = This file cannot be imported
console-import-another = Import another file
console-import-created = New customers
console-import-updated = Customers updated
console-import-unchanged = Already up to date
console-import-failed = Rows with problems (not imported)
console-import-ignored = Columns not imported
console-import-problems = Problems, by line of the file
console-import-line = Line
console-import-problem = Problem
console-import-more-problems = …and { $count } more in the report.
console-import-report-csv = Download the report (CSV)
console-import-dry-run-title = What the import will do
console-import-now = Import now
console-import-change = Change the mapping
console-import-running = Importing…
console-import-progress = { $percent }% of the file read
console-import-reload = Reload
console-import-done-title = Import finished
console-import-stopped = The import stopped: nothing was stored

## Staff console: duplicates and export
console-duplicates = Duplicates
console-duplicates-intro = Customers who share a last name and a date of birth, a group at a time. The oldest record is suggested to keep: merging fills its empty fields from the others and moves their notes, flags, medical details, services and releases to it.
console-duplicates-how = Choose the record to keep, tick the records to merge into it, then Merge selected. A merge cannot be undone; it is recorded in the audit log and sent to every paired device.
console-no-duplicates = No likely duplicates here.
console-group-heading = { $name }: { $count } records
console-record = Record { $n }
console-suggested-keep = suggested to keep
console-field-column = Field
console-differs = differs
console-keep-or-merge = Keep or merge
console-keep = Keep record { $n }
console-merge-record = Merge record { $n }
console-merge-selected = Merge selected
console-not-duplicate = Not duplicates: records { $a } and { $b } are different people
console-merged = The selected records were merged.
console-nothing-merged = Nothing changed: those records had been merged already.
console-marked-apart = Marked as different people: they are no longer offered as duplicates.
console-merge-none-ticked = merge: tick at least one record to merge into the one kept. Nothing was merged.
console-merge-no-target = target: choose the record to keep. Nothing was merged.
console-export = Export
console-export-intro = Every customer on file, in the studio layout (a file Intake imports back as it is). Each export is recorded in the audit log.
console-format = Format
console-format-csv = CSV (any spreadsheet or program)
console-format-xlsx = Excel workbook (XLSX)
console-export-columns = Columns
console-column-id = Id (to import changes back)
console-column-updated = Last changed
console-medical-column = Medical details (conditions, allergies, medication): recorded in the audit log for every customer whose details are exported
console-download = Download
console-export-no-columns = column: choose at least one column. Nothing was exported.
console-export-medical-refused = column: your role does not export medical details (it takes medical:customer). Nothing was exported.

## Staff console: webhooks

console-webhooks = Webhooks
console-webhooks-intro = Each endpoint is an address that hears of changes to customers as they happen. Every message is signed with the endpoint's own secret, so the receiver can tell it came from this shop.
console-webhooks-none = No endpoint yet: nothing is sent anywhere.
console-webhooks-add = Add an endpoint
console-webhooks-endpoints = Endpoints
console-webhooks-url = Address (URL)
console-webhooks-url-hint = The receiver's address, such as https://hooks.example.com/intake. Addresses on the shop's own network are refused unless the store is set to allow them.
console-webhooks-events = Events
console-webhooks-events-legend = Events to send
console-webhooks-event-customer-created = A customer is added (customer.created)
console-webhooks-event-customer-updated = A customer is changed (customer.updated)
console-webhooks-event-customer-deleted = A customer is deleted (customer.deleted)
console-webhooks-event-customer-merged = Duplicates are merged (customer.merged)
console-webhooks-event-release-signed = A release is signed (release.signed)
console-webhooks-medical = Medical details
console-webhooks-medical-label = Send customers' medical details too
console-webhooks-medical-warning = Medical details (conditions, allergies, medications) will leave the shop: they go to this address with every event about a customer, and each delivery of them is written in the audit log. Tick this only for a receiver you trust with health information.
console-webhooks-state = State
console-webhooks-last = Last delivery
console-webhooks-enabled = Enabled
console-webhooks-disabled = Disabled
console-webhooks-disabled-why = Disabled: { $why }
console-webhooks-failing-since = Enabled, failing since { $since }
console-webhooks-waiting = { $count } waiting
console-webhooks-failed-count = { $count } failed
console-webhooks-nothing-sent = Nothing sent yet
console-webhooks-add-button = Add endpoint
console-webhooks-url-empty = give the receiver's address.
console-webhooks-url-too-long = an address is at most 2,000 characters.
console-webhooks-events-none = choose at least one event.
console-webhooks-event-unknown = { $event } is not an event the store sends.
console-webhooks-added = Endpoint added
console-webhooks-rotated = New signing secret
console-webhooks-secret = Signing secret
console-webhooks-secret-once = This secret is shown this once. The store keeps it sealed and will never show it again: copy it to the receiver now. If it is lost, rotate the secret to make a new one.
console-webhooks-old-secret = The old secret keeps signing beside the new one for 24 hours, so the receiver can switch to it without losing a message.
console-webhooks-verify = How the receiver checks a message
console-webhooks-verify-headers = Each message is a POST of JSON with three headers: webhook-id, webhook-timestamp (Unix seconds) and webhook-signature.
console-webhooks-verify-key = The key is the part of the secret after "whsec_", decoded from base64.
console-webhooks-verify-sign = Compute HMAC-SHA256 with that key over the webhook-id, a full stop, the webhook-timestamp, a full stop and the body exactly as it arrived, and encode the result in base64.
console-webhooks-verify-compare = The webhook-signature header holds one or more signatures separated by spaces, each "v1," followed by base64. Accept the message only if one of them equals yours, compared in constant time.
console-webhooks-verify-fresh = Refuse a timestamp more than five minutes away from now, and ignore a webhook-id already handled: a retry or a replay sends the same id again.
console-webhooks-verify-library = A Standard Webhooks library (standardwebhooks.com) does all of this, given the secret as shown here.
console-webhooks-to-endpoint = Go to the endpoint's page
console-webhooks-back = Back to the webhooks
console-webhooks-added-by = Added by { $who }, { $when }
console-webhooks-id = Id
console-webhooks-actions = Actions
console-webhooks-disable = Disable
console-webhooks-disable-hint = Nothing more is sent to it, and what is waiting for it fails; once it is enabled again, Recover sends that again.
console-webhooks-enable = Enable
console-webhooks-test = Send a test event
console-webhooks-test-hint = Sends a webhook.ping now and shows the receiver's answer. It is not tried again if it fails.
console-webhooks-rotate = Rotate secret
console-webhooks-rotate-hint = Makes a new signing secret, shown once. The old one keeps signing beside it for 24 hours.
console-webhooks-recover = Recover
console-webhooks-since = Send again what failed or was dropped since
console-webhooks-since-hint = A time (2026-11-30T09:00:00Z), a date (2026-11-30), or how long ago (90m, 2h, 3d). The store keeps 30 days.
console-webhooks-since-bad = since: give a time (2026-11-30T09:00:00Z), a date (2026-11-30), or how long ago (90m, 2h, 3d). Nothing was queued.
console-webhooks-recover-disabled = Enable the endpoint to send again what failed.
console-webhooks-deliveries = Delivery log
console-webhooks-no-deliveries = Nothing has been sent to this endpoint yet.
console-webhooks-event = Event
console-webhooks-customer = Customer
console-webhooks-attempts = Attempts
console-webhooks-status = Status
console-webhooks-answer = Answer
console-webhooks-message = Message
console-webhooks-delivered = Delivered
console-webhooks-pending = Waiting
console-webhooks-failed = Failed
console-webhooks-delivered-at = delivered { $when }
console-webhooks-next-attempt = next try { $when }
console-webhooks-last-attempt = last try { $when }
console-webhooks-replay = Send again
console-webhooks-done-enabled = The endpoint is enabled.
console-webhooks-done-disabled = The endpoint is disabled. What was waiting for it has failed; once it is enabled again, Recover sends that again.
console-webhooks-done-replayed = Message { $message } is queued to be sent again.
console-webhooks-done-recovered = { $count } failed deliveries are queued to be sent again.
console-webhooks-test-title = Test event
console-webhooks-test-ok = { $url } answered HTTP { $status } in { $ms } ms (message { $message }).
console-webhooks-test-failed = { $url } did not take the test event: { $why } (message { $message }).

## Staff console: staff, devices and the audit log

console-staff = Staff
console-devices = Devices
console-audit-log = Audit log
console-role = Role
console-access = Access
console-enabled = Active
console-disabled = Disabled
console-sign-in-lock = Sign-in lock
console-locked-until = Locked until { $until } UTC
console-wrong-pins = { $count } wrong PIN(s)
console-last-sign-in = Last sign-in (UTC)
console-never = Never
console-add-user = Add a staff member
console-new-pin = New PIN
console-pin-again = The same PIN again
console-pin-rule = Digits only: front desk { $short } to { $most }, every other role { $long } to { $most }.
console-pin-missing = Type it.
console-pins-differ = The two PINs differ: nothing was changed.
console-not-a-role = "{ $role }" is not a staff role: choose owner, manager, artist or front desk.
console-no-such-user = There is no staff member with this id.
console-change-role = Change the role
console-role-pin-hint = Only when the new role needs a longer PIN than the old one (front desk { $short } digits, every other role { $long }): a new PIN for the new role.
console-role-sessions-end = Their sessions end: they sign in again with the new role.
console-save-role = Save role
console-set-pin = Set a new PIN
console-pin-sessions-end = Their sessions end: they sign in again with the new PIN.
console-is-disabled = { $name } is disabled and cannot sign in.
console-enable = Enable
console-disable-hint = Disabling ends their sessions at once and refuses their PIN until they are enabled again. The last active owner cannot be disabled.
console-disable = Disable
console-sessions = Signed-in sessions
console-no-sessions = { $name } is not signed in anywhere.
console-started = Started (UTC)
console-last-seen = Last seen (UTC)
console-from = From
console-ends = Ends (UTC)
console-end-session = End session
console-end-session-of = End the session started { $started }
console-this-session = this one
console-not-a-session = session: not a session id; nothing was ended.
console-no-such-session = { $name } has no such session.
console-kiosk = Lobby kiosk
console-counter = Counter display
console-no-devices = No devices yet.
console-device-state = State
console-last-sync = Last sync (UTC)
console-actions = Actions
console-exit-code = Exit code
console-exit-code-of = Exit code of { $name }
console-revoke = Revoke
console-revoke-title = Revoke { $name }?
console-revoke-of = Revoke { $name }
console-add-device = Add a device
console-device-name-hint = 1 to 64 letters, digits, '-', '_' or '.', e.g. lobby-1.
console-medical-counter = Counter displays only: this counter shows medical details
console-revoked-on = Revoked { $at } UTC
console-paired-on = Paired { $at } UTC
console-waiting = Waiting for its pairing code
console-not-a-device-role = "{ $role }" is not a device role: choose lobby kiosk or counter display.
console-kiosk-no-medical = A lobby kiosk never holds medical details: only a counter display may show them.
console-pair-title = Pair { $name }
console-shown-once = This pairing code is shown only now. Copy it or pair the device before leaving this page: the store keeps only a hash of it. If it is lost, revoke the device and add it again.
console-pairing-code = Pairing code
console-valid-until = Valid until
console-store-key = Store key SHA-256 (the same across certificate renewals)
console-on-the-device = On the device
console-pair-hint = Run this on the device, or scan the QR code to copy it. The device pins the store's key, so it never talks to another machine posing as the store.
console-qr-label = QR code of the pairing command shown above
console-qr-caption = The pairing command as a QR code.
console-kiosk-needs-exit-code = Staff leave a lobby kiosk with its own exit code: staff PINs never reach a kiosk.
console-set-exit-code = Set the exit code
console-back-to-devices = Back to the devices
console-no-such-device = There is no active device with this id.
console-counter-no-exit-code = { $name } is a counter display: staff sign in there with their own PIN, it has no exit code.
console-revoke-warning = The store refuses the device's next request, and its pairing code if unused. A kiosk's exit code and its key for recognising customers go with it. To use the device again, add it under a new name and pair it.
console-revoke-confirm = Yes, revoke { $name }
console-revoke-unconfirmed = confirm: tick the box to revoke the device. Nothing was revoked.
console-exit-code-hint = Staff type this code on the kiosk's exit pad to leave it. The kiosk receives it at its next sync; only its hash is kept.
console-exit-code-rule = { $least } to { $most } digits.
console-exit-code-again = The same code again
console-codes-differ = The two codes differ: nothing was changed.
console-filter = Filter
console-clear-filters = Clear
console-customer-id = Customer id
console-not-a-customer-id = "{ $value }" is not a customer id (a UUID, as a customer's address shows it).
console-action = Action
console-any-action = Any action
console-from-day = From (UTC day)
console-to-day = To (UTC day)
console-not-a-date = "{ $value }" is not a date: write YYYY-MM-DD.
console-not-a-position = after: not a position this list gave out. Start again from the first page.
console-no-entries = No entry matches.
console-when-utc = When (UTC)
console-detail = Detail

## Staff console: settings

console-settings = Settings
console-settings-saved = Saved. The console and Web Sign use the new settings now.
console-settings-where = These settings are kept in { $dir } and the store loads them there at its next start.
console-settings-kiosks = Paired kiosks keep their own settings files: they pick up changes only from their own settings directory, not from this page.
console-settings-shop = The shop
console-shop-name = Shop name
console-idle-timeout = Idle timeout (seconds)
console-idle-timeout-hint = Seconds without a touch before the kiosk warns, then clears the form (15 to 3600).
console-idle-warning = Warning (seconds)
console-idle-warning-hint = How long the “Are you still there?” countdown runs: less than the idle timeout.
console-adult-age = Adult age
console-adult-age-hint = Customers younger than this need a guardian (1 to 25).
console-languages = Languages
console-languages-hint = Offered on the welcome screen; the first is the default. Choose at least one.
console-no-language = Choose at least one language.
console-region = Region
console-region-hint = Where phone numbers written without a country code belong (ISO 3166, two letters, such as US, MX or ES). A change is in force from the store's next start, when the stored phone keys are remade.
console-region-pending = The store runs with region { $region } until its next start.
console-web-sign-url = Web Sign address
console-web-sign-url-hint = Optional: where customers fill in the form on their own phone (https://…).
console-not-https = Write an address that starts with https://, or leave it empty.
console-not-a-number = “{ $value }” is not a whole number.
console-save-shop = Save the shop
console-settings-logo = Logo
console-logo-none = The shop has no logo.
console-logo-alt = The shop's logo
console-logo-file = PNG image
console-logo-hint = A PNG of at most { $kib } KiB, shown on the welcome screen and on every signed PDF.
console-logo-missing = Choose a PNG file to upload.
console-upload-logo = Upload the logo
console-settings-template = Release template
console-template-in-force = In force: { $id } version { $version }.
console-template-versions = Versions of the template
console-version = Version
console-created = Made (UTC)
console-release-count = Releases signed
console-sample-pdf = Download a sample release (PDF)
console-sample-pdf-hint = A release for a made-up customer under the saved template.
console-template-text = Template file (TOML)
console-template-hint = Each [[clauses]] has an id, confirm = "initials" or "tick", its text in each language (text.en, text.es), and may say for = "adult", "minor" or "guardian" and optional = true. Saving a changed template makes a new version; releases already signed keep theirs.
console-settings-questions = Health questions
console-questions-text = Health questions file (TOML)
console-questions-hint = Each [[questions]] has an id, kind (allergy, condition, disease, medication or other), name (what staff see), details (required, optional or none) and its text in each language.
console-preview-language = Preview in
console-preview = Preview
console-save-template = Save the template
console-save-questions = Save the questions
console-preview-title = Preview (not saved)
console-preview-adult = What an adult reads
console-preview-minor = What a minor and their guardian read
console-preview-questions = Health questions
console-preview-initials = initials
console-preview-tick = tick
console-preview-optional = optional
console-preview-guardian = confirmed by the guardian
console-file-too-long = The file is longer than { $max } characters: nothing was saved.

## Staff console: other apps' exports
console-import-app = From { $app }
console-import-app-recognised = From { $app }, recognised by its header
console-import-skipped = Rows without a name, e-mail or phone (passed over)
console-import-to-notes = Add to the notes (Column: value)
console-import-whole-name = Whole name (first and last)
console-import-how-fallback = Used only when the column before is empty.
console-import-how-subscription = Subscribed or Unsubscribed, read as the opt-in.
console-import-how-negated = Yes here means no.
console-import-how-country-code = Country code first, without +.
console-import-how-no-year = A birthday without a year is kept in the notes.
console-import-how-date-time = The time after the date is dropped.
console-import-never-history = History (visits, spend, counts): only profile information is imported.
console-import-never-private = Payment or identity details: never imported.
console-import-never-export-only = Written by an Intake export: not profile information.
console-import-read-as = Read the file as
console-import-read-as-header = Recognised from its header
console-import-read-as-studio = Intake's own layout
console-import-read-again = Read it so
