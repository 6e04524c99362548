//! Every string the kiosk shows, in every language it speaks.
//!
//! A screen never holds text of its own: it asks [`t`] for the strings of the current
//! language. The shop's own texts (release clauses, health questions) come with their
//! translations from the settings files.

use intake_common::settings::Lang;

/// The kiosk's strings in one language.
#[derive(Debug)]
pub struct Strings {
    pub welcome: &'static str,
    pub start: &'static str,
    pub high_contrast: &'static str,
    pub phone_qr: &'static str,

    pub been_here: &'static str,
    pub been_here_hint: &'static str,
    pub yes_find_me: &'static str,
    pub no_new: &'static str,
    pub find_title: &'static str,
    pub find_hint: &'static str,
    pub find: &'static str,
    pub is_this_you: &'static str,
    pub yes_me: &'static str,
    pub not_me: &'static str,
    pub no_match: &'static str,
    pub no_match_hint: &'static str,
    pub health_again: &'static str,

    pub step_about: &'static str,
    pub step_address: &'static str,
    pub step_contacts: &'static str,
    pub step_health: &'static str,
    pub step_release: &'static str,
    pub step_signature: &'static str,
    pub step_review: &'static str,

    pub first_name: &'static str,
    pub middle_name: &'static str,
    pub last_name: &'static str,
    pub nickname: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub birthdate: &'static str,
    pub gender: &'static str,
    pub street: &'static str,
    pub street2: &'static str,
    pub city: &'static str,
    pub state: &'static str,
    pub postal_code: &'static str,
    pub country: &'static str,
    pub occupation: &'static str,
    pub opt_in: &'static str,
    pub optional: &'static str,
    pub tap_to_type: &'static str,

    pub emergency_title: &'static str,
    pub emergency_name: &'static str,
    pub emergency_phone: &'static str,
    pub emergency_relationship: &'static str,
    pub physician_title: &'static str,
    pub physician_name: &'static str,
    pub physician_phone: &'static str,
    pub physician_practice: &'static str,

    pub health_hint: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub tell_us_more: &'static str,

    pub release_hint: &'static str,
    pub initials: &'static str,
    pub agree: &'static str,
    pub agreed: &'static str,
    pub minor_title: &'static str,
    pub minor_hint: &'static str,
    pub guardian_name: &'static str,
    pub guardian_relationship: &'static str,

    pub sign_here: &'static str,
    pub guardian_sign_here: &'static str,
    pub clear: &'static str,

    pub review_hint: &'static str,
    pub health_yes_count: &'static str,
    pub health_none: &'static str,
    pub clauses_done: &'static str,
    pub submit: &'static str,

    pub thanks_hint: &'static str,

    pub back: &'static str,
    pub next: &'static str,
    pub start_over: &'static str,

    pub still_there: &'static str,
    pub still_here: &'static str,

    pub err_required: &'static str,
    pub err_email: &'static str,
    pub err_phone: &'static str,
    pub err_date: &'static str,
    pub err_date_future: &'static str,
    pub err_date_old: &'static str,
    pub err_too_long: &'static str,
    pub err_answer: &'static str,
    pub err_details: &'static str,
    pub err_initials: &'static str,
    pub err_tick: &'static str,
    pub err_sign: &'static str,
    pub err_guardian_sign: &'static str,
    pub err_fix_above: &'static str,
    pub err_save: &'static str,

    pub staff_title: &'static str,
    pub staff_hint: &'static str,
    pub pin: &'static str,
    pub staff_wrong: &'static str,
    pub staff_locked: &'static str,
    pub staff_checking: &'static str,
    pub staff_offline: &'static str,
    pub staff_signed_in: &'static str,
    pub staff_exit: &'static str,
    pub staff_back: &'static str,
    pub ok: &'static str,

    pub key_space: &'static str,
    pub key_done: &'static str,
    pub key_letters: &'static str,
    pub key_digits: &'static str,
    pub key_shift: &'static str,
    pub key_delete: &'static str,
    pub name: &'static str,
    pub address: &'static str,
    pub emergency: &'static str,

    // Templates with a placeholder; use the methods below.
    clearing: &'static str,
    thanks: &'static str,
    age: &'static str,
    date_format: &'static str,
    step_of: &'static str,
}

/// The strings for `lang`.
pub fn t(lang: Lang) -> &'static Strings {
    match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    }
}

impl Strings {
    /// The idle warning: "This form will be cleared in 12 seconds".
    pub fn clearing_in(&self, seconds: u64) -> String {
        self.clearing.replace("{n}", &seconds.to_string())
    }

    pub fn step(&self, n: usize, total: usize) -> String {
        self.step_of
            .replace("{n}", &n.to_string())
            .replace("{total}", &total.to_string())
    }

    pub fn thanks(&self, name: &str) -> String {
        self.thanks.replace("{name}", name)
    }

    pub fn age_line(&self, age: u32) -> String {
        self.age.replace("{n}", &age.to_string())
    }

    /// How a birthdate is typed in this language: "MM/DD/YYYY".
    pub fn date_format(&self) -> &'static str {
        self.date_format
    }
}

static EN: Strings = Strings {
    welcome: "Welcome! Check in and sign your release here.",
    start: "Start check-in",
    high_contrast: "High contrast",
    phone_qr: "Or scan to fill in the form on your phone",

    been_here: "Have you been here before?",
    been_here_hint: "If you have, we can fill in most of the form for you.",
    yes_find_me: "Yes, find me",
    no_new: "No, I'm new",
    find_title: "Find your details",
    find_hint: "Enter the phone number and birthdate you gave us last time.",
    find: "Find me",
    is_this_you: "Is this you?",
    yes_me: "Yes, that's me",
    not_me: "No, start a new form",
    no_match: "We couldn't find a match",
    no_match_hint: "No problem — we'll start a new form.",
    health_again: "Please check your details. We'll ask the health questions again.",

    step_about: "About you",
    step_address: "Your address",
    step_contacts: "Emergency contact and doctor",
    step_health: "Health questions",
    step_release: "Release",
    step_signature: "Signature",
    step_review: "Check and submit",

    first_name: "First name",
    middle_name: "Middle name",
    last_name: "Last name",
    nickname: "Nickname",
    email: "Email",
    phone: "Mobile phone",
    birthdate: "Date of birth",
    gender: "Gender",
    street: "Street address",
    street2: "Apartment, suite",
    city: "City",
    state: "State",
    postal_code: "ZIP code",
    country: "Country",
    occupation: "Occupation",
    opt_in: "Send me appointment reminders and studio news",
    optional: "optional",
    tap_to_type: "Tap to type",

    emergency_title: "Who should we call in an emergency?",
    emergency_name: "Contact's name",
    emergency_phone: "Contact's phone",
    emergency_relationship: "Relationship to you",
    physician_title: "Your doctor",
    physician_name: "Doctor's name",
    physician_phone: "Doctor's phone",
    physician_practice: "Practice or clinic",

    health_hint: "Your answers are private: only the staff who need them can see them.",
    yes: "Yes",
    no: "No",
    tell_us_more: "Please tell us more",

    release_hint: "Read each statement, then initial or tick it.",
    initials: "Initials",
    agree: "I agree",
    agreed: "Agreed",
    minor_title: "A parent or guardian must sign",
    minor_hint: "Because you are under the age of consent, a parent or legal guardian signs with you.",
    guardian_name: "Guardian's full name",
    guardian_relationship: "Relationship (parent, legal guardian)",

    sign_here: "Sign here with your finger",
    guardian_sign_here: "Parent or guardian signs here",
    clear: "Clear",

    review_hint: "Please check everything. Tap Back to change something.",
    health_yes_count: "Health: you answered yes to",
    health_none: "Health: no conditions reported",
    clauses_done: "Release: every statement confirmed",
    submit: "Sign and submit",

    thanks_hint: "You're checked in. Take a seat — your artist will be with you shortly.",

    back: "Back",
    next: "Next",
    start_over: "Start over",

    still_there: "Are you still there?",
    still_here: "I'm still here",

    err_required: "Please fill this in.",
    err_email: "This email doesn't look right. It should look like name@example.com.",
    err_phone: "Please enter the phone number with its area code. A number from another country starts with + and its country code.",
    err_date: "Please enter a real date.",
    err_date_future: "A date of birth can't be in the future.",
    err_date_old: "Please check the year.",
    err_too_long: "This is too long.",
    err_answer: "Please answer Yes or No.",
    err_details: "Please tell us more about this.",
    err_initials: "Please write your initials here.",
    err_tick: "Please tick to agree.",
    err_sign: "Please sign in the box.",
    err_guardian_sign: "The parent or guardian must sign in their box.",
    err_fix_above: "Some answers need another look — see the messages in red.",
    err_save: "Sorry — we couldn't save your form. Please ask at the counter. Nothing you entered has been lost.",

    staff_title: "Staff",
    staff_hint: "Enter your staff PIN.",
    pin: "PIN",
    staff_wrong: "That PIN is not right.",
    staff_locked: "Too many wrong PINs. Try again in a minute.",
    staff_checking: "Checking the PIN…",
    staff_offline: "Offline: use this kiosk's exit code.",
    staff_signed_in: "Signed in as",
    staff_exit: "Close the kiosk",
    staff_back: "Back to check-in",
    ok: "OK",

    key_space: "space",
    key_done: "Done",
    key_letters: "ABC",
    key_digits: "123",
    key_shift: "Shift",
    key_delete: "Delete",
    name: "Name",
    address: "Address",
    emergency: "Emergency contact",
    step_of: "Step {n} of {total}",

    clearing: "For your privacy, this form will be cleared in {n} seconds.",
    thanks: "Thank you, {name}!",
    age: "You are {n} years old.",
    date_format: "MM/DD/YYYY",
};

static ES: Strings = Strings {
    welcome: "¡Bienvenido! Regístrese y firme su exención aquí.",
    start: "Comenzar",
    high_contrast: "Alto contraste",
    phone_qr: "O escanee para llenar el formulario en su teléfono",

    been_here: "¿Ha venido antes?",
    been_here_hint: "Si es así, podemos llenar casi todo el formulario por usted.",
    yes_find_me: "Sí, búsqueme",
    no_new: "No, soy nuevo",
    find_title: "Buscar sus datos",
    find_hint: "Escriba el teléfono y la fecha de nacimiento que nos dio la última vez.",
    find: "Buscar",
    is_this_you: "¿Es usted?",
    yes_me: "Sí, soy yo",
    not_me: "No, empezar un formulario nuevo",
    no_match: "No encontramos una coincidencia",
    no_match_hint: "No hay problema: empezaremos un formulario nuevo.",
    health_again: "Revise sus datos. Le haremos de nuevo las preguntas de salud.",

    step_about: "Sobre usted",
    step_address: "Su dirección",
    step_contacts: "Contacto de emergencia y médico",
    step_health: "Preguntas de salud",
    step_release: "Exención",
    step_signature: "Firma",
    step_review: "Revisar y enviar",

    first_name: "Nombre",
    middle_name: "Segundo nombre",
    last_name: "Apellido",
    nickname: "Apodo",
    email: "Correo electrónico",
    phone: "Teléfono móvil",
    birthdate: "Fecha de nacimiento",
    gender: "Género",
    street: "Dirección",
    street2: "Apartamento, suite",
    city: "Ciudad",
    state: "Estado",
    postal_code: "Código postal",
    country: "País",
    occupation: "Ocupación",
    opt_in: "Enviarme recordatorios de citas y novedades del estudio",
    optional: "opcional",
    tap_to_type: "Toque para escribir",

    emergency_title: "¿A quién llamamos en caso de emergencia?",
    emergency_name: "Nombre del contacto",
    emergency_phone: "Teléfono del contacto",
    emergency_relationship: "Relación con usted",
    physician_title: "Su médico",
    physician_name: "Nombre del médico",
    physician_phone: "Teléfono del médico",
    physician_practice: "Consultorio o clínica",

    health_hint: "Sus respuestas son privadas: solo las ve el personal que las necesita.",
    yes: "Sí",
    no: "No",
    tell_us_more: "Cuéntenos más",

    release_hint: "Lea cada declaración y luego escriba sus iniciales o márquela.",
    initials: "Iniciales",
    agree: "Estoy de acuerdo",
    agreed: "Aceptado",
    minor_title: "Debe firmar un padre o tutor",
    minor_hint: "Como es menor de la edad de consentimiento, un padre o tutor legal firma con usted.",
    guardian_name: "Nombre completo del tutor",
    guardian_relationship: "Relación (padre, madre, tutor legal)",

    sign_here: "Firme aquí con el dedo",
    guardian_sign_here: "Firma del padre, madre o tutor",
    clear: "Borrar",

    review_hint: "Revise todo. Toque Atrás para cambiar algo.",
    health_yes_count: "Salud: respondió que sí a",
    health_none: "Salud: ninguna condición indicada",
    clauses_done: "Exención: todas las declaraciones confirmadas",
    submit: "Firmar y enviar",

    thanks_hint: "Ya está registrado. Tome asiento: su artista lo atenderá en breve.",

    back: "Atrás",
    next: "Siguiente",
    start_over: "Empezar de nuevo",

    still_there: "¿Sigue ahí?",
    still_here: "Sigo aquí",

    err_required: "Por favor complete este campo.",
    err_email: "Este correo no parece correcto. Debe ser como nombre@ejemplo.com.",
    err_phone: "Escriba el número de teléfono con su código de área. Un número de otro país empieza con + y el código del país.",
    err_date: "Escriba una fecha real.",
    err_date_future: "La fecha de nacimiento no puede ser futura.",
    err_date_old: "Revise el año.",
    err_too_long: "Es demasiado largo.",
    err_answer: "Responda Sí o No.",
    err_details: "Cuéntenos más sobre esto.",
    err_initials: "Escriba sus iniciales aquí.",
    err_tick: "Marque para aceptar.",
    err_sign: "Firme dentro del recuadro.",
    err_guardian_sign: "El padre, madre o tutor debe firmar en su recuadro.",
    err_fix_above: "Algunas respuestas necesitan revisión: vea los mensajes en rojo.",
    err_save: "Lo sentimos: no pudimos guardar su formulario. Pregunte en el mostrador. No se ha perdido nada de lo que escribió.",

    staff_title: "Personal",
    staff_hint: "Escriba su PIN de personal.",
    pin: "PIN",
    staff_wrong: "Ese PIN no es correcto.",
    staff_locked: "Demasiados PIN incorrectos. Inténtelo en un minuto.",
    staff_checking: "Comprobando el PIN…",
    staff_offline: "Sin conexión: use el código de salida de este quiosco.",
    staff_signed_in: "Sesión iniciada como",
    staff_exit: "Cerrar el quiosco",
    staff_back: "Volver al registro",
    ok: "OK",

    key_space: "espacio",
    key_done: "Listo",
    key_letters: "ABC",
    key_digits: "123",
    key_shift: "Mayús",
    key_delete: "Borrar",
    name: "Nombre completo",
    address: "Dirección completa",
    emergency: "Contacto de emergencia",
    step_of: "Paso {n} de {total}",

    clearing: "Por su privacidad, este formulario se borrará en {n} segundos.",
    thanks: "¡Gracias, {name}!",
    age: "Tiene {n} años.",
    date_format: "DD/MM/AAAA",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_is_a_translation_not_a_copy() {
        let (en, es) = (t(Lang::En), t(Lang::Es));
        assert_ne!(en.start, es.start);
        assert_ne!(en.err_required, es.err_required);
        assert_eq!(
            es.clearing_in(9),
            "Por su privacidad, este formulario se borrará en 9 segundos."
        );
        assert_eq!(en.thanks("Ann"), "Thank you, Ann!");
    }
}
