# The kiosk's words in Spanish.

## Welcome screen

welcome = ¡Bienvenido! Regístrese y firme su exención aquí.
high-contrast = Alto contraste
phone-qr = O escanee para llenar el formulario en su teléfono

## A returning customer: "Have you been here before?", the lookup, "Is this you?"

yes-find-me = Ya he venido antes
no-new = Es mi primera vez
find-title = Buscar sus datos
find-hint = Escriba su fecha de nacimiento y el teléfono que nos dio la última vez.
find = Buscar
is-this-you = ¿Es usted?
not-me = No soy yo
no-match = No encontramos una coincidencia
no-match-hint = No hay problema: empezaremos un formulario nuevo.
health-again = Revise sus datos. Le haremos de nuevo las preguntas de salud.
lookup-paused = Demasiados intentos. Espere { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
} y vuelva a intentarlo, o regístrese como cliente nuevo.
recap-title = ¿Sigue siendo todo correcto?
recap-hint = Si todo sigue siendo correcto, toque «Sí, soy yo». Toque Cambiar junto a lo que haya cambiado. Los datos que tenemos guardados siguen ocultos.
recap-all-right = Sí, soy yo
change = Cambiar
physician = Médico

## The steps of the form, named in the header

step-of = Paso { $n } de { $total }
step-about = Sobre usted
step-guardian = Madre, padre o tutor
step-address = Su dirección
step-contacts = Contacto de emergencia y médico
step-health = Preguntas de salud
step-release = Exención
step-signature = Firma
step-review = Revisar y enviar

## About you and your address: field labels

first-name = Nombre
middle-name = Segundo nombre
last-name = Apellido
nickname = Apodo
email = Correo electrónico
phone = Teléfono móvil
birthdate = Fecha de nacimiento
gender = Género
street = Dirección
street2 = Apartamento, suite
city = Ciudad
state = Estado
postal-code = Código postal
country = País
occupation = Ocupación
opt-in = Enviarme recordatorios de citas y novedades del estudio
optional = (opcional)
tap-to-type = Toque para escribir
date-format = DD/MM/AAAA

## Emergency contact and doctor

emergency-title = ¿A quién llamamos en caso de emergencia?
emergency-name = Nombre del contacto
emergency-phone = Teléfono del contacto
emergency-relationship = Relación con usted
physician-title = Su médico
physician-name = Nombre del médico
physician-phone = Teléfono del médico
physician-practice = Consultorio o clínica

## Health questions

health-hint = Sus respuestas son privadas: solo las ve el personal que las necesita.
health-none-apply = Nada de esto se aplica a mí
yes = Sí
no = No
tell-us-more = Cuéntenos más

## The release

release-hint = Lea cada declaración y luego escriba sus iniciales o márquela.
your-age = Tiene { $age ->
        [one] { $age } año
       *[other] { $age } años
    }.
initials = Iniciales
adopt-initials = Sus iniciales. Toque el botón de cada declaración para ponerlas.
place-initials = Toque para firmar
guardian-initials = Iniciales del padre, madre o tutor
for-guardian = Para el padre, la madre o el tutor
optional-clause = Opcional: puede decir que no y registrarse igualmente
agree = Estoy de acuerdo
agreed = Aceptado
minor-title = Debe firmar un padre o tutor
minor-hint = Como es menor de la edad de consentimiento, un padre o tutor legal firma con usted.
guardian-name = Nombre completo del tutor
guardian-relationship = Relación (padre, madre, tutor legal)

## Signature

sign-here = Firme aquí con el dedo
guardian-sign-here = Firma del padre, madre o tutor
clear = Borrar

## Check and submit

review-hint = Revise todo. Toque Cambiar junto a una sección para cambiarla.
name = Nombre completo
address = Dirección completa
emergency = Contacto de emergencia
health-yes-count = Salud: respondió que sí a
health-none = Salud: ninguna condición indicada
clauses-done = Exención: todas las declaraciones obligatorias confirmadas
not-given = No indicado
review-relationship = Parentesco
review-your-signature = Su firma
review-guardian-signature = Firma del padre, madre o tutor
submit = Firmar y enviar

## Thank you

thanks = ¡Gracias, { $name }!
thanks-anonymous = ¡Gracias!
thanks-hint = Ya está registrado. Tome asiento: su artista lo atenderá en breve.

## The navigation bar

back = Atrás
next = Siguiente
start-over = Empezar de nuevo
save-changes = Guardar y volver
start-over-title = ¿Empezar de nuevo?
start-over-hint = Se borrará todo lo que ha escrito.
start-over-yes = Sí, borrar todo
start-over-no = No, continuar

## The idle warning

still-there = ¿Sigue ahí?
still-here = Sigo aquí
clearing-in = Por su privacidad, este formulario se borrará en { $seconds ->
        [one] { $seconds } segundo
       *[other] { $seconds } segundos
    }.

## What is wrong with an answer, shown under it

err-required = Por favor complete este campo.
err-email = Este correo no parece correcto. Debe ser como nombre@ejemplo.com.
err-phone = Escriba el número de teléfono con su código de área. Un número de otro país empieza con + y el código del país.
err-date = Escriba una fecha real.
err-date-order = Escriba primero el día y luego el mes: DD/MM/AAAA.
err-date-future = La fecha de nacimiento no puede ser futura.
err-date-old = Revise el año.
err-too-long = Es demasiado largo.
err-answer = Responda Sí o No.
err-details = Cuéntenos más sobre esto.
err-initials = Toque para poner sus iniciales en esta declaración.
err-tick = Toque «Acepto» para aceptar.
err-sign = Firme dentro del recuadro.
err-guardian-sign = El padre, madre o tutor debe firmar en su recuadro.
err-fix-above = Algunas respuestas necesitan revisión: vea los mensajes en rojo.
err-save = Lo sentimos: no pudimos guardar su formulario. Pregunte en el mostrador. No se ha perdido nada de lo que escribió.

## Staff exit: the PIN pad and the staff menu

staff-title = Personal
staff-hint = Escriba su PIN de personal.
pin = PIN
staff-wrong = Ese PIN no es correcto.
staff-locked = Demasiados PIN incorrectos. Inténtelo en un minuto.
staff-checking = Comprobando el PIN…
staff-offline = Sin conexión: use el código de salida de este quiosco.
staff-signed-in = Sesión iniciada como { $name }
staff-exit = Cerrar el quiosco
staff-back = Volver al registro
staff-web-sign-shown = Web Sign: los teléfonos pueden abrir { $address } y su código QR está en la pantalla de bienvenida.
staff-web-sign-checking = Web Sign: comprobando si los teléfonos pueden abrir { $address }…
staff-web-sign-hidden = Web Sign: el código QR está oculto, porque un teléfono no abriría { $address }: { $reason }
ok = OK

## On-screen keyboard

key-space = espacio
key-done = Listo
key-next = Siguiente
key-letters = ABC
key-digits = 123
key-shift = Mayús
key-delete = Borrar

## Release PDF
# La exención firmada tal como se imprime, en el idioma en que se firmó.

pdf-customer = Cliente
pdf-first-name = Nombre
pdf-middle-name = Segundo nombre
pdf-last-name = Apellidos
pdf-nickname = Apodo
pdf-birthdate = Fecha de nacimiento
pdf-gender = Género
pdf-phone = Teléfono
pdf-email = Correo electrónico
pdf-street = Calle
pdf-street2 = Apartamento, piso
pdf-city = Ciudad
pdf-state = Estado o provincia
pdf-postal-code = Código postal
pdf-country = País
pdf-occupation = Ocupación
pdf-opt-in = Recordatorios y novedades
pdf-age = Edad al firmar
pdf-contacts = Contactos
pdf-emergency = Contacto de emergencia
pdf-physician = Médico
pdf-none-given = no indicado
pdf-health = Respuestas de salud
pdf-no-questions = El estudio no hizo preguntas de salud.
pdf-yes = Sí
pdf-no = No
pdf-release = Exención
pdf-initials = Iniciales: { $initials }
pdf-ticked = De acuerdo (marcado)
pdf-accepted = Aceptado
pdf-declined = Rechazado
pdf-by-guardian = Confirmado por el padre, la madre o el tutor.
pdf-signature = Firma
pdf-signed-by = Firmado por { $name } el { $date }
pdf-guardian = Padre, madre o tutor
pdf-guardian-name = Nombre
pdf-relationship = Parentesco
pdf-guardian-signed-by = Firmado por { $guardian } en nombre de { $name } el { $date }
pdf-record = Registro
pdf-record-release = Exención
pdf-signed-at = Firmado
pdf-device = Dispositivo
pdf-template = Plantilla
pdf-template-version = { $id }, versión { $version }
pdf-language = Idioma
pdf-sha-note = El SHA-256 se calcula sobre el contenido firmado tal como se guarda; el código QR contiene el id de la exención y el mismo hash.
pdf-footer = Exención { $id } · página { $page } de { $count }
pdf-date = { $day } de { $month ->
        [1] enero
        [2] febrero
        [3] marzo
        [4] abril
        [5] mayo
        [6] junio
        [7] julio
        [8] agosto
        [9] septiembre
        [10] octubre
        [11] noviembre
       *[12] diciembre
    } de { $year }
pdf-date-time = { $date } a las { $time } UTC
## Counter display

counter-title = Mostrador
counter-sign-in = Acceso del personal
counter-enter-pin = Escriba su PIN
counter-pin-wrong = Ese PIN no es correcto.
counter-pin-locked = Demasiados PIN incorrectos. Inténtelo de nuevo en un minuto.
counter-ok = OK
counter-key-delete = Borrar
counter-sign-out = Cerrar sesión
counter-close = Volver al quiosco
counter-signed-in = { $name } · { $role }
counter-role-owner = dueño
counter-role-manager = encargado
counter-role-artist = artista
counter-role-front-desk = recepción
counter-check-ins = Registros de hoy ({ $count })
counter-no-check-ins = Nadie se ha registrado hoy todavía.
counter-flags = { $count ->
    [one] ⚑ 1 aviso
   *[other] ⚑ { $count } avisos
}
counter-medical = { $count ->
    [one] ✚ 1 respuesta de salud
   *[other] ✚ { $count } respuestas de salud
}
counter-checked = ✓ leído
counter-minor = Menor, { $age }
counter-guardian = Tutor: { $name } ({ $relationship })
counter-find = Buscar un cliente
counter-find-hint = Nombre, correo o teléfono
counter-no-match = Ningún cliente coincide.
counter-back = ‹ Atrás
counter-born = nació el { $date }
counter-safety = ⚠ Panel de seguridad
counter-safety-clear = Panel de seguridad: sin avisos ni respuestas de salud que leer.
counter-medical-hidden = { $count ->
    [one] ✚ 1 respuesta de salud — solo un encargado o un artista puede leerla.
   *[other] ✚ { $count } respuestas de salud — solo un encargado o un artista puede leerlas.
}
counter-kind-allergy = alergia
counter-kind-condition = afección
counter-kind-disease = enfermedad
counter-kind-medication = medicamento
counter-kind-other = otro
counter-medical-line = ✚ { $kind }: { $name } · { $date }
counter-medical-details = ✚ { $kind }: { $name } — { $details } · { $date }
counter-earlier = { $count ->
    [one] 1 respuesta anterior
   *[other] { $count } respuestas anteriores
}
counter-hide-earlier = Ocultar respuestas anteriores
counter-last-read = Leído por última vez por { $name } a las { $time }
counter-acknowledged = ✓ Leído y confirmado
counter-acknowledge = Lo he leído
counter-sessions = Sesiones
counter-session-open = { $what } — { $artist }, empezó a las { $start }
counter-session-done = { $what } — { $artist }, { $start }–{ $end }
counter-end-session = Terminar sesión
counter-session-hint = ¿Qué sesión es? p. ej. tatuaje en el antebrazo
counter-start-session = Empezar sesión
counter-read-first = Lea primero el panel de seguridad y toque «Lo he leído».
counter-notes = Notas
counter-note-line = { $body } — { $author }, { $time }
counter-note-hint = Añadir una nota
counter-add-note = Añadir nota
counter-emergency = Contacto de emergencia
counter-physician = Médico
counter-contact-name = Nombre
counter-contact-phone = Teléfono
counter-relationship = Parentesco
counter-practice = Consulta
counter-save-emergency = Guardar contacto de emergencia
counter-save-physician = Guardar médico
counter-releases = Exenciones firmadas
counter-no-releases = Todavía no hay exenciones firmadas.
counter-release-line = { $date } · { $template } · { $language }
counter-release-elsewhere = La copia firmada está en el ordenador principal del estudio.
counter-open-release = Abrir
counter-release-opened = La exención está abierta en el visor de documentos.
counter-release-saved = Guardado como { $file }
counter-sync-here = Guardado en este ordenador
counter-sync-ok = { $waiting ->
    [0] Al día ({ $time })
   *[other] Sincronizado a las { $time } · { $waiting } por enviar
}
counter-sync-never = Aún sin conexión · { $waiting } por enviar
counter-sync-offline = Trabajando sin conexión — se sincronizará · { $waiting } por enviar
counter-sync-refused = { $count ->
    [one] 1 cambio no aceptado — avise al dueño
   *[other] { $count } cambios no aceptados — avise al dueño
}
counter-sync-unknown = No se sabe si este ordenador está al día
counter-not-allowed = Su función no permite eso. Pida ayuda a un encargado.
counter-failed = No funcionó: { $problem }
counter-note-empty = Escriba la nota primero.
counter-note-added = Nota añadida.
counter-contact-no-name = El contacto necesita un nombre.
counter-contact-bad-phone = Teléfono: { $problem }
counter-contact-saved = Contacto guardado.
counter-session-no-what = Diga qué sesión es, p. ej. tatuaje en el antebrazo.
counter-session-started = Sesión empezada.
counter-session-ended = Sesión terminada.
counter-read-done = Panel de seguridad leído.
counter-open-display = Abrir la pantalla del mostrador

## Web Sign

web-title = Registro
# $name: the first name staff typed when making the customer's link
web-greeting = Hola, { $name }. El estudio creó este enlace para usted.
web-language = Idioma
# $n: this step's number; $total: how many steps there are
web-step-of = Paso { $n } de { $total }
web-next = Siguiente
web-back = Atrás
web-required = obligatorio
web-optional = opcional
web-errors-title = Hay un problema
web-about = Sobre usted
web-address = Su dirección
web-contacts = Contacto de emergencia y médico
web-guardian = Padre, madre o tutor
# $age: the shop's adult age
web-guardian-hint = Es menor de { $age } años: su padre, madre o tutor legal firma con usted.
web-health = Preguntas de salud
web-health-hint = Responda cada pregunta. Sus respuestas son privadas y solo las ve el artista.
web-release = La exención
web-release-hint = Lea cada cláusula. Escriba sus iniciales donde se pida y responda Sí o No a las opcionales.
web-sign = Su firma
web-review = Revise sus respuestas
web-review-hint = Revise todo lo siguiente. Use Cambiar para corregir una sección y luego envíelo.
web-first-name = Nombre
web-middle-name = Segundo nombre
web-last-name = Apellido
web-nickname = Apodo
web-birthdate = Fecha de nacimiento
web-birthdate-hint = Elija o escriba su fecha de nacimiento.
web-phone = Teléfono móvil
web-email = Correo electrónico
web-gender = Género
web-occupation = Ocupación
web-opt-in = Envíenme noticias y ofertas por correo
web-street = Dirección
web-street2 = Apartamento, piso, unidad
web-city = Ciudad
web-state = Estado o provincia
web-postal-code = Código postal
web-country = País
web-emergency = Contacto de emergencia
web-emergency-name = Nombre del contacto
web-emergency-phone = Teléfono del contacto
web-emergency-relation = Relación con usted
web-physician = Médico
web-physician-name = Nombre del médico
web-physician-phone = Teléfono del médico
web-physician-practice = Consulta o clínica
web-guardian-name = Nombre completo del padre, madre o tutor
web-guardian-relation = Relación con usted
web-yes = Sí
web-no = No
web-details = Detalles
web-initials = Sus iniciales
web-guardian-initials = Iniciales del padre, madre o tutor
web-agree = Estoy de acuerdo
web-optional-clause = ¿Está de acuerdo? (opcional)
web-sign-hint = Firme con el dedo en el recuadro, o escriba su nombre en su lugar.
web-your-signature = Su firma
web-guardian-signature = Firma del padre, madre o tutor
web-draw-here = Panel de firma: dibuje su firma aquí
web-clear = Borrar
web-type-instead = O escriba su nombre como firma:
web-typed-name = Nombre completo
web-typed-confirm = Este nombre escrito es mi firma
web-signed-already = Firmado. Firme de nuevo abajo para reemplazarla.
web-change = Cambiar
web-submit = Firmar y enviar
web-not-given = Sin respuesta
web-declined = Rechazada
web-accepted = Aceptada
# $name: the customer's first name or nickname
web-done = Gracias, { $name }. Ya está registrado/a.
web-done-hint = Su exención firmada está en el estudio. Puede cerrar esta página.
web-start-again = Empezar de nuevo
web-err-required = Este dato es obligatorio.
web-err-email = Escriba un correo como nombre@ejemplo.com.
web-err-phone = Escriba un número de teléfono válido, con su código de área.
web-err-date = Escriba la fecha como año-mes-día, p. ej. 1990-04-23.
web-err-date-future = La fecha no puede estar en el futuro.
web-err-date-old = Revise el año: esa fecha es demasiado antigua.
# $max: the most characters the field takes
web-err-too-long = Es demasiado largo: como máximo { $max } caracteres.
web-err-answer = Responda Sí o No.
web-err-details = Cuéntenos más sobre este Sí.
web-err-initials = Escriba sus iniciales aquí.
web-err-agree = Marque «Estoy de acuerdo» para seguir.
web-err-choose = Elija Sí o No.
web-err-sign = Firme en el recuadro, o escriba su nombre y marque «Este nombre escrito es mi firma».
web-err-typed-confirm = Marque «Este nombre escrito es mi firma» para usar su nombre escrito.
web-err-typed-letters = El nombre escrito tiene letras que no se pueden mostrar: firme en el recuadro.
web-err-image = No se pudo usar la firma dibujada: bórrela y firme de nuevo.
web-err-save-failed = No se pudo guardar su exención ahora. No se guardó nada: inténtelo de nuevo o pregunte en el mostrador.
web-refused = No se pudo usar este formulario
web-refused-off = La firma en la web no está activada en este estudio. Regístrese en el estudio.
web-refused-expired = Este formulario se abrió hace demasiado tiempo. No se guardó nada: empiece de nuevo.
web-refused-forged = No se pudo comprobar esta página: se modificó o vino de otro navegador o sitio. No se guardó nada: empiece de nuevo.
web-refused-used = Este formulario ya se envió. No se guardó nada más.
# $minutes: how long to wait
web-refused-busy = Demasiados intentos desde su conexión. No se guardó nada: espere { $minutes } minutos e inténtelo de nuevo.
# $size: the largest form taken, e.g. 512 KiB
web-refused-too-large = El formulario enviado superaba { $size }. No se guardó nada: empiece de nuevo.
# $field: the form field; $max: the most characters it takes
web-refused-field = El campo { $field } tenía más de { $max } caracteres. No se guardó nada.
web-refused-form = El formulario enviado no era de estas páginas. No se guardó nada.
web-refused-link = Este enlace no se puede usar: ya se usó, ha caducado o no lo creó el estudio. No se guardó nada: pida al estudio un enlace nuevo.
web-refused-unavailable = Esta página no se puede abrir ahora. Inténtelo de nuevo en un minuto o pregunte en el mostrador.

## The Web Sign poster (intake-agent web-sign poster)

poster-headline = Firme su exención en su teléfono
poster-scan = 1. Abra la cámara de su teléfono y apúntela al código.
poster-fill = 2. Toque el enlace, llene el formulario y firme con el dedo.
poster-private = 3. Sus respuestas van directo al estudio. No hay nada que instalar.
poster-address = O escriba esta dirección:

## Staff console (the store's pages at /console)

console-customers = Clientes
console-language = Idioma
console-skip = Ir al contenido
console-sections = Secciones de la consola
console-sign-out = Cerrar sesión
console-role-owner = propietario
console-role-manager = encargado
console-role-artist = artista
console-role-front-desk = recepción
console-back-to-customers = Volver a los clientes
console-not-found = No encontrado
console-forbidden = No permitido
console-failed = No se pudo hacer
console-store-fault = El servidor no pudo hacerlo. No se cambió nada; el motivo está en el registro del servidor. Inténtelo de nuevo y avise a quien se ocupa del servidor si vuelve a ocurrir.
console-refused-form = Este formulario está caducado o no se envió desde esta consola. No se cambió nada: abra la página de nuevo y envíelo desde allí.
console-session-ended = Su sesión ha terminado. No se cambió nada: vuelva a iniciar sesión.
console-refused-origin = Esta solicitud no vino de las páginas de la consola, así que se rechazó. No se cambió nada.
console-forbidden-why = Su rol no permite esta página. Pida acceso al propietario del estudio si lo necesita.
console-no-such-page = La consola no tiene esa página.
console-too-large = Lo enviado es más grande de lo que admite esta página. No se cambió nada.
console-sign-in-title = Iniciar sesión en la consola
console-name = Nombre
console-pin = PIN
console-sign-in = Iniciar sesión
console-bad-pin = Ese nombre y ese PIN no coinciden. Revise ambos e inténtelo de nuevo.
console-locked = Demasiados PIN incorrectos: el inicio de sesión está bloqueado durante { $minutes } min.
console-customer-count = ({ $count })
console-search-label = Buscar por nombre, correo o teléfono
console-search = Buscar
console-checked-in-at = Registrado en
console-all-locations = Todas las sedes
console-location = Sede
console-add-customer = Añadir cliente
console-no-customers = Todavía no hay clientes.
console-none-found = Ningún cliente coincide con esa búsqueda.
console-pages = Páginas
console-first-page = Primera página
console-next-page = Página siguiente
console-name-column = Nombre
console-added = Alta
console-unnamed = (sin nombre)
console-active = Activo
console-inactive = Inactivo
console-yes = Sí
console-no = No
console-columns = Columnas
console-columns-hint = Columnas que muestra la lista (solo para usted)
console-save-columns = Mostrar estas columnas
console-edit = Editar
console-delete = Eliminar
console-profile = Ficha
console-notes = Notas
console-no-notes = Sin notas.
console-add-note = Añadir una nota
console-save-note = Guardar nota
console-services = Servicios y sesiones
console-no-services = No hay servicios registrados.
console-releases = Consentimientos firmados
console-no-releases = No hay consentimientos firmados.
console-download-pdf = Descargar PDF
console-history = Historial de cambios
console-when = Cuándo
console-who = Quién
console-what = Qué
console-not-given = No indicado
console-safety-panel = Panel de seguridad
console-flags = Avisos
console-no-flags = Sin avisos.
console-medical = Datos médicos
console-no-medical = No hay datos médicos registrados.
console-medical-hidden = { $count } registro(s) médico(s): su rol no muestra los datos médicos.
console-emergency = Contacto de emergencia
console-physician = Médico
console-last-read = Última lectura en el mostrador
console-add-flag = Añadir un aviso
console-flag-kind = Tipo de aviso
console-flag-note = Nota (opcional)
console-save-flag = Guardar aviso
console-edit-customer = Editar cliente
console-fix-these = Corrija lo siguiente
console-save = Guardar
console-cancel = Cancelar
console-needs-identity = Un cliente necesita al menos un nombre, un apellido, un correo o un teléfono.
console-delete-title = ¿Eliminar a { $name }?
console-delete-warning = Se eliminan el cliente, sus notas, avisos, datos médicos y servicios de este servidor y de todos los dispositivos emparejados en su próxima sincronización. La eliminación queda en el registro de auditoría y se anuncia a los webhooks. Un cliente con consentimientos firmados no se elimina: el estudio debe conservarlos.
console-delete-confirm = Sí, eliminar a { $name }
console-delete-unconfirmed = confirm: marque la casilla para eliminar al cliente. No se eliminó nada.
console-erase = Borrar datos
console-erase-title = ¿Borrar los datos de { $name }?
console-erase-warning = Su perfil, notas, contactos, datos médicos, avisos y servicios se borran para siempre de inmediato: de este servidor, de cada dispositivo emparejado en su próxima sincronización y de los mensajes de webhook aún no enviados; los webhooks reciben que el cliente fue borrado. El registro de borrados guarda solo su id y la fecha. Úselo cuando un cliente pida que se borren sus datos.
console-erase-kept = Los consentimientos firmados que la ley aún obliga a conservar se quedan, sellados y restringidos: solo el personal con el permiso legal:customer puede abrirlos, y cada consulta queda en el registro de auditoría. Cada uno se borra en la fecha indicada.
console-erase-none-kept = Ningún consentimiento firmado suyo debe conservarse ya: se borra todo.
console-erase-confirm = Sí, borrar los datos de { $name } para siempre
console-erase-unconfirmed = confirm: marque la casilla para borrar los datos del cliente. No se borró nada.
console-signed-on = Firmado
console-kept-until = Se conserva hasta
console-kept-until-date = se conserva hasta el { $date }
console-erased-title = Cliente borrado
console-erased-on = Los datos de este cliente se borraron el { $date }. No se muestra nada suyo.
console-erased-restricted = Consentimientos conservados hasta su fecha
console-retention = Cuánto tiempo se conservan los registros
console-retention-hint = En años completos. Los consentimientos y las respuestas de salud deben conservarse 2 años en Tennessee, Texas, Dakota del Sur y la ciudad de Nueva York, 3 en Michigan, 5 en algunas ciudades; los de un menor, a menudo hasta algunos años después de cumplir 18. Lo que pasó su fecha se borra para siempre cada día.
console-retention-unset = Aún no hay una política de conservación: el servidor conserva todo y no borra nada por sí mismo. Marque la casilla de abajo y guarde para fijar una.
console-retention-on = Borrar cada día lo que pasó su fecha, según las cifras de abajo
console-retention-legal-only = Solo el personal con el permiso legal:customer (propietarios) puede cambiar cuánto tiempo se conservan los registros.
console-release-years = Consentimientos firmados, tras la firma
console-release-years-hint = De 1 a 50 años, con sus firmas y respuestas de salud.
console-minor-years = Consentimiento de un menor, años tras la mayoría de edad
console-minor-years-hint = De 0 a 50: se conserva hasta que quien firmó lleve ese tiempo siendo mayor de edad, si es más tarde.
console-customer-years = Clientes sin nada que conservar, tras su última visita
console-customer-years-hint = De 1 a 50 años.
console-audit-years = Entradas del registro de auditoría
console-audit-years-hint = De 1 a 50 años.
console-field-first-name = Nombre
console-field-middle-name = Segundo nombre
console-field-last-name = Apellidos
console-field-nickname = Apodo
console-field-email = Correo electrónico
console-field-phone-number = Teléfono
console-field-birthdate = Fecha de nacimiento
console-field-gender = Género
console-field-street = Calle
console-field-street2 = Dirección (línea 2)
console-field-city = Ciudad
console-field-state = Estado o provincia
console-field-postal-code = Código postal
console-field-country = País
console-field-occupation = Ocupación
console-field-notes = Notas de la ficha
console-field-company = Empresa
console-field-reference-id = Referencia
console-field-status = Estado
console-field-opt-in = Acepta mensajes
console-field-membership-number = Número de socio

## Staff console: import

console-import = Importar
console-import-title = Importar clientes
console-import-hint = Suba una lista de clientes, en CSV o como hoja de cálculo (.xlsx, .xls, .ods): el formato de Intake o la exportación de otra aplicación (Square, Vagaro, Fresha, Acuity y otras se reconocen). Verá qué campo llena cada columna, y podrá cambiar cualquiera, antes de que se guarde nada.
console-import-file = Lista de clientes (CSV u hoja de cálculo)
console-import-upload = Subir
console-import-yours = Sus archivos subidos
console-import-not-a-form = No se pudo leer el archivo subido. Elija el archivo de nuevo y envíelo desde esta página.
console-import-too-many = Hay demasiados archivos esperando. Importe o descarte uno primero (se olvidan pasada una hora).
console-import-no-file = file: elija un archivo CSV para subir (el enviado estaba vacío).
console-import-state-ready = esperándole
console-import-state-running = importando
console-import-state-done = terminado
console-import-mapping = Qué campo llena cada columna
console-import-column = Columna del archivo
console-import-sample = Primera fila
console-import-field = Campo
console-import-leave-out = No importar
console-import-id-column = Id de cliente de Intake
console-import-dates = Cómo escribe el archivo las fechas
console-dates-auto = Deducirlo del archivo
console-dates-iso = Año-mes-día (2026-12-31)
console-dates-mdy = Mes/día/año (12/31/2026)
console-dates-dmy = Día/mes/año (31/12/2026)
console-import-check-hint = La comprobación lee todas las filas y no guarda nada.
console-import-check = Comprobar todo el archivo
console-import-discard = Descartar este archivo
console-import-layout = Formato: { $layout }
console-import-unreadable = Este archivo no se puede importar
console-import-another = Importar otro archivo
console-import-created = Clientes nuevos
console-import-updated = Clientes actualizados
console-import-unchanged = Ya al día
console-import-failed = Filas con problemas (no importadas)
console-import-ignored = Columnas no importadas
console-import-problems = Problemas, por línea del archivo
console-import-line = Línea
console-import-problem = Problema
console-import-more-problems = …y { $count } más en el informe.
console-import-report-csv = Descargar el informe (CSV)
console-import-dry-run-title = Lo que hará la importación
console-import-now = Importar ahora
console-import-change = Cambiar la correspondencia
console-import-running = Importando…
console-import-progress = { $percent }% del archivo leído
console-import-reload = Recargar
console-import-done-title = Importación terminada
console-import-stopped = La importación se detuvo: no se guardó nada

## Staff console: duplicates and export
console-duplicates = Duplicados
console-duplicates-intro = Clientes que comparten apellidos y fecha de nacimiento, grupo por grupo. Se sugiere conservar la ficha más antigua: al fusionar, sus campos vacíos se completan con los de las demás y sus notas, avisos, datos médicos, servicios y autorizaciones pasan a ella.
console-duplicates-how = Elija la ficha que se conserva, marque las que se fusionan con ella y pulse Fusionar las seleccionadas. Una fusión no se puede deshacer; queda en el registro de auditoría y llega a todos los dispositivos vinculados.
console-no-duplicates = No hay posibles duplicados aquí.
console-group-heading = { $name }: { $count } fichas
console-record = Ficha { $n }
console-suggested-keep = se sugiere conservar
console-field-column = Campo
console-differs = difiere
console-keep-or-merge = Conservar o fusionar
console-keep = Conservar la ficha { $n }
console-merge-record = Fusionar la ficha { $n }
console-merge-selected = Fusionar las seleccionadas
console-not-duplicate = No son duplicados: las fichas { $a } y { $b } son personas distintas
console-merged = Las fichas seleccionadas se fusionaron.
console-nothing-merged = No cambió nada: esas fichas ya se habían fusionado.
console-marked-apart = Marcadas como personas distintas: ya no se ofrecen como duplicados.
console-merge-none-ticked = merge: marque al menos una ficha para fusionarla con la que se conserva. No se fusionó nada.
console-merge-no-target = target: elija la ficha que se conserva. No se fusionó nada.
console-export = Exportar
console-export-intro = Todos los clientes registrados, con el formato del estudio (un archivo que Intake vuelve a importar tal cual). Cada exportación queda en el registro de auditoría.
console-format = Formato
console-format-csv = CSV (cualquier hoja de cálculo o programa)
console-format-xlsx = Libro de Excel (XLSX)
console-export-columns = Columnas
console-column-id = Id (para volver a importar cambios)
console-column-updated = Último cambio
console-medical-column = Datos médicos (afecciones, alergias, medicación): queda en el registro de auditoría por cada cliente cuyos datos se exportan
console-download = Descargar
console-export-no-columns = column: elija al menos una columna. No se exportó nada.
console-export-medical-refused = column: su función no exporta datos médicos (requiere medical:customer). No se exportó nada.

## Staff console: webhooks

console-webhooks = Webhooks
console-webhooks-intro = Cada destino es una dirección que se entera de los cambios en los clientes en cuanto ocurren. Cada mensaje va firmado con el secreto propio del destino, para que el receptor sepa que viene de este estudio.
console-webhooks-none = Todavía no hay destinos: no se envía nada a ninguna parte.
console-webhooks-add = Añadir un destino
console-webhooks-endpoints = Destinos
console-webhooks-url = Dirección (URL)
console-webhooks-url-hint = La dirección del receptor, por ejemplo https://hooks.example.com/intake. Las direcciones de la red propia del estudio se rechazan salvo que la tienda esté configurada para permitirlas.
console-webhooks-events = Eventos
console-webhooks-events-legend = Eventos que se envían
console-webhooks-event-customer-created = Se añade un cliente (customer.created)
console-webhooks-event-customer-updated = Se cambia un cliente (customer.updated)
console-webhooks-event-customer-deleted = Se elimina un cliente (customer.deleted)
console-webhooks-event-customer-merged = Se fusionan duplicados (customer.merged)
console-webhooks-event-release-signed = Se firma un consentimiento (release.signed)
console-webhooks-medical = Datos médicos
console-webhooks-medical-label = Enviar también los datos médicos de los clientes
console-webhooks-medical-warning = Los datos médicos (afecciones, alergias, medicamentos) saldrán del estudio: van a esta dirección con cada evento sobre un cliente, y cada envío queda anotado en el registro de auditoría. Márquelo solo para un receptor de confianza para datos de salud.
console-webhooks-state = Estado
console-webhooks-last = Última entrega
console-webhooks-enabled = Activo
console-webhooks-disabled = Desactivado
console-webhooks-disabled-why = Desactivado: { $why }
console-webhooks-failing-since = Activo, fallando desde { $since }
console-webhooks-waiting = { $count } en espera
console-webhooks-failed-count = { $count } fallidos
console-webhooks-nothing-sent = Nada enviado aún
console-webhooks-add-button = Añadir destino
console-webhooks-url-empty = indique la dirección del receptor.
console-webhooks-url-too-long = una dirección tiene como máximo 2.000 caracteres.
console-webhooks-events-none = elija al menos un evento.
console-webhooks-event-unknown = { $event } no es un evento que envíe la tienda.
console-webhooks-added = Destino añadido
console-webhooks-rotated = Nuevo secreto de firma
console-webhooks-secret = Secreto de firma
console-webhooks-secret-once = Este secreto se muestra solo esta vez. La tienda lo guarda sellado y no volverá a mostrarlo: cópielo ahora en el receptor. Si se pierde, cambie el secreto para crear uno nuevo.
console-webhooks-old-secret = El secreto anterior sigue firmando junto al nuevo durante 24 horas, para que el receptor pueda cambiar sin perder ningún mensaje.
console-webhooks-verify = Cómo comprueba el receptor un mensaje
console-webhooks-verify-headers = Cada mensaje es un POST de JSON con tres cabeceras: webhook-id, webhook-timestamp (segundos Unix) y webhook-signature.
console-webhooks-verify-key = La clave es la parte del secreto que sigue a "whsec_", decodificada de base64.
console-webhooks-verify-sign = Calcule un HMAC-SHA256 con esa clave sobre el webhook-id, un punto, el webhook-timestamp, un punto y el cuerpo tal como llegó, y codifique el resultado en base64.
console-webhooks-verify-compare = La cabecera webhook-signature contiene una o más firmas separadas por espacios, cada una "v1," seguido de base64. Acepte el mensaje solo si una de ellas es igual a la suya, comparada en tiempo constante.
console-webhooks-verify-fresh = Rechace una marca de tiempo a más de cinco minutos de la hora actual, e ignore un webhook-id ya atendido: un reintento o un reenvío repite el mismo id.
console-webhooks-verify-library = Una biblioteca de Standard Webhooks (standardwebhooks.com) hace todo esto con el secreto tal como se muestra aquí.
console-webhooks-to-endpoint = Ir a la página del destino
console-webhooks-back = Volver a los webhooks
console-webhooks-added-by = Añadido por { $who }, { $when }
console-webhooks-id = Id
console-webhooks-actions = Acciones
console-webhooks-disable = Desactivar
console-webhooks-disable-hint = No se le envía nada más, y lo que esperaba para él falla; cuando se active de nuevo, Recuperar lo manda otra vez.
console-webhooks-enable = Activar
console-webhooks-test = Enviar un evento de prueba
console-webhooks-test-hint = Envía ahora un webhook.ping y muestra la respuesta del receptor. Si falla, no se reintenta.
console-webhooks-rotate = Cambiar el secreto
console-webhooks-rotate-hint = Crea un nuevo secreto de firma, que se muestra una sola vez. El anterior sigue firmando junto a él durante 24 horas.
console-webhooks-recover = Recuperar
console-webhooks-since = Volver a enviar lo que falló o se descartó desde
console-webhooks-since-hint = Una hora (2026-11-30T09:00:00Z), una fecha (2026-11-30) o cuánto hace (90m, 2h, 3d). La tienda guarda 30 días.
console-webhooks-since-bad = since: indique una hora (2026-11-30T09:00:00Z), una fecha (2026-11-30) o cuánto hace (90m, 2h, 3d). No se puso nada en cola.
console-webhooks-recover-disabled = Active el destino para reenviar lo que falló.
console-webhooks-deliveries = Registro de entregas
console-webhooks-no-deliveries = Todavía no se ha enviado nada a este destino.
console-webhooks-event = Evento
console-webhooks-customer = Cliente
console-webhooks-attempts = Intentos
console-webhooks-status = Estado
console-webhooks-answer = Respuesta
console-webhooks-message = Mensaje
console-webhooks-delivered = Entregado
console-webhooks-pending = En espera
console-webhooks-failed = Fallido
console-webhooks-delivered-at = entregado { $when }
console-webhooks-next-attempt = próximo intento { $when }
console-webhooks-last-attempt = último intento { $when }
console-webhooks-replay = Enviar de nuevo
console-webhooks-done-enabled = El destino está activo.
console-webhooks-done-disabled = El destino está desactivado. Lo que esperaba para él ha fallado; cuando se active de nuevo, Recuperar lo manda otra vez.
console-webhooks-done-replayed = El mensaje { $message } está en cola para enviarse de nuevo.
console-webhooks-done-recovered = { $count } entregas fallidas están en cola para enviarse de nuevo.
console-webhooks-test-title = Evento de prueba
console-webhooks-test-ok = { $url } respondió HTTP { $status } en { $ms } ms (mensaje { $message }).
console-webhooks-test-failed = { $url } no aceptó el evento de prueba: { $why } (mensaje { $message }).

## Staff console: staff, devices and the audit log

console-staff = Personal
console-devices = Dispositivos
console-audit-log = Registro de auditoría
console-role = Rol
console-access = Acceso
console-enabled = Activo
console-disabled = Desactivado
console-sign-in-lock = Bloqueo de acceso
console-locked-until = Bloqueado hasta { $until } UTC
console-wrong-pins = { $count } PIN incorrecto(s)
console-last-sign-in = Último acceso (UTC)
console-never = Nunca
console-add-user = Añadir a alguien del personal
console-new-pin = PIN nuevo
console-pin-again = El mismo PIN otra vez
console-pin-rule = Solo dígitos: recepción de { $short } a { $most }, cualquier otro rol de { $long } a { $most }.
console-pin-missing = Escríbalo.
console-pins-differ = Los dos PIN no coinciden: no se cambió nada.
console-not-a-role = «{ $role }» no es un rol del personal: elija propietario, encargado, artista o recepción.
console-no-such-user = No hay nadie del personal con este identificador.
console-change-role = Cambiar el rol
console-role-pin-hint = Solo si el nuevo rol necesita un PIN más largo que el anterior (recepción { $short } dígitos, cualquier otro rol { $long }): un PIN nuevo para el nuevo rol.
console-role-sessions-end = Sus sesiones terminan: vuelve a iniciar sesión con el nuevo rol.
console-save-role = Guardar rol
console-set-pin = Poner un PIN nuevo
console-pin-sessions-end = Sus sesiones terminan: vuelve a iniciar sesión con el PIN nuevo.
console-is-disabled = { $name } está desactivado y no puede iniciar sesión.
console-enable = Activar
console-disable-hint = Desactivar termina sus sesiones al instante y rechaza su PIN hasta que se active de nuevo. No se puede desactivar al último propietario activo.
console-disable = Desactivar
console-sessions = Sesiones abiertas
console-no-sessions = { $name } no tiene ninguna sesión abierta.
console-started = Inicio (UTC)
console-last-seen = Última actividad (UTC)
console-from = Desde
console-ends = Termina (UTC)
console-end-session = Cerrar sesión
console-end-session-of = Cerrar la sesión iniciada el { $started }
console-this-session = esta
console-not-a-session = session: no es un identificador de sesión; no se cerró nada.
console-no-such-session = { $name } no tiene esa sesión.
console-kiosk = Quiosco de recepción
console-counter = Pantalla de mostrador
console-no-devices = Aún no hay dispositivos.
console-device-state = Estado
console-last-sync = Última sincronización (UTC)
console-actions = Acciones
console-exit-code = Código de salida
console-exit-code-of = Código de salida de { $name }
console-revoke = Revocar
console-revoke-title = ¿Revocar { $name }?
console-revoke-of = Revocar { $name }
console-add-device = Añadir un dispositivo
console-device-name-hint = De 1 a 64 letras, dígitos, '-', '_' o '.', p. ej. recepcion-1.
console-medical-counter = Solo pantallas de mostrador: esta pantalla muestra datos médicos
console-revoked-on = Revocado el { $at } UTC
console-paired-on = Emparejado el { $at } UTC
console-waiting = Esperando su código de emparejamiento
console-not-a-device-role = «{ $role }» no es un rol de dispositivo: elija quiosco de recepción o pantalla de mostrador.
console-kiosk-no-medical = Un quiosco de recepción nunca guarda datos médicos: solo una pantalla de mostrador puede mostrarlos.
console-pair-title = Emparejar { $name }
console-shown-once = Este código de emparejamiento solo se muestra ahora. Cópielo o empareje el dispositivo antes de salir de esta página: el servidor solo guarda un resumen cifrado. Si se pierde, revoque el dispositivo y añádalo de nuevo.
console-pairing-code = Código de emparejamiento
console-valid-until = Válido hasta
console-store-key = SHA-256 de la clave del servidor (no cambia al renovar el certificado)
console-on-the-device = En el dispositivo
console-pair-hint = Ejecute esto en el dispositivo, o escanee el código QR para copiarlo. El dispositivo fija la clave del servidor, así nunca habla con otra máquina que se haga pasar por él.
console-qr-label = Código QR del comando de emparejamiento mostrado arriba
console-qr-caption = El comando de emparejamiento como código QR.
console-kiosk-needs-exit-code = El personal sale de un quiosco de recepción con su propio código de salida: los PIN del personal nunca llegan a un quiosco.
console-set-exit-code = Poner el código de salida
console-back-to-devices = Volver a los dispositivos
console-no-such-device = No hay ningún dispositivo activo con este identificador.
console-counter-no-exit-code = { $name } es una pantalla de mostrador: el personal inicia sesión allí con su propio PIN, no tiene código de salida.
console-revoke-warning = El servidor rechaza la próxima petición del dispositivo, y su código de emparejamiento si no se usó. El código de salida de un quiosco y su clave para reconocer clientes se eliminan con él. Para volver a usarlo, añádalo con otro nombre y emparéjelo.
console-revoke-confirm = Sí, revocar { $name }
console-revoke-unconfirmed = confirm: marque la casilla para revocar el dispositivo. No se revocó nada.
console-exit-code-hint = El personal escribe este código en el teclado de salida del quiosco para salir. El quiosco lo recibe en su próxima sincronización; solo se guarda su resumen cifrado.
console-exit-code-rule = De { $least } a { $most } dígitos.
console-exit-code-again = El mismo código otra vez
console-codes-differ = Los dos códigos no coinciden: no se cambió nada.
console-filter = Filtrar
console-clear-filters = Quitar filtros
console-customer-id = Identificador del cliente
console-not-a-customer-id = «{ $value }» no es un identificador de cliente (un UUID, como el que muestra la dirección de un cliente).
console-action = Acción
console-any-action = Cualquier acción
console-from-day = Desde (día UTC)
console-to-day = Hasta (día UTC)
console-not-a-date = «{ $value }» no es una fecha: escriba AAAA-MM-DD.
console-not-a-position = after: no es una posición que haya dado esta lista. Empiece de nuevo por la primera página.
console-no-entries = Ninguna entrada coincide.
console-when-utc = Cuándo (UTC)
console-detail = Detalle

## Staff console: settings

console-settings = Configuración
console-settings-saved = Guardado. La consola y Web Sign ya usan la nueva configuración.
console-settings-where = Esta configuración se guarda en { $dir } y la tienda la carga desde allí en su próximo arranque.
console-settings-kiosks = Los quioscos emparejados tienen sus propios archivos de configuración: solo toman los cambios de su propia carpeta de configuración, no de esta página.
console-settings-shop = El estudio
console-shop-name = Nombre del estudio
console-idle-timeout = Tiempo de inactividad (segundos)
console-idle-timeout-hint = Segundos sin tocar la pantalla antes de que el quiosco avise y luego borre el formulario (15 a 3600).
console-idle-warning = Aviso (segundos)
console-idle-warning-hint = Cuánto dura la cuenta atrás «¿Sigue ahí?»: menos que el tiempo de inactividad.
console-adult-age = Mayoría de edad
console-adult-age-hint = Los clientes menores de esta edad necesitan un tutor (1 a 25).
console-languages = Idiomas
console-languages-hint = Se ofrecen en la pantalla de bienvenida; el primero es el predeterminado. Elija al menos uno.
console-no-language = Elija al menos un idioma.
console-region = Región
console-region-hint = Dónde están los teléfonos escritos sin prefijo de país (ISO 3166, dos letras, como US, MX o ES). Un cambio rige desde el próximo arranque de la tienda, cuando se rehacen las claves de teléfono guardadas.
console-region-pending = La tienda funciona con la región { $region } hasta su próximo arranque.
console-web-sign-url = Dirección de Web Sign
console-web-sign-url-hint = Opcional: dónde los clientes rellenan el formulario en su propio teléfono (https://…).
console-not-https = Escriba una dirección que empiece por https://, o déjela vacía.
console-not-a-number = «{ $value }» no es un número entero.
console-save-shop = Guardar el estudio
console-settings-logo = Logotipo
console-logo-none = El estudio no tiene logotipo.
console-logo-alt = El logotipo del estudio
console-logo-file = Imagen PNG
console-logo-hint = Un PNG de { $kib } KiB como máximo, que se muestra en la pantalla de bienvenida y en cada PDF firmado.
console-logo-missing = Elija un archivo PNG para subir.
console-upload-logo = Subir el logotipo
console-settings-template = Plantilla de exención
console-template-in-force = En vigor: { $id } versión { $version }.
console-template-versions = Versiones de la plantilla
console-version = Versión
console-created = Creada (UTC)
console-release-count = Exenciones firmadas
console-sample-pdf = Descargar una exención de muestra (PDF)
console-sample-pdf-hint = Una exención de un cliente inventado con la plantilla guardada.
console-template-text = Archivo de la plantilla (TOML)
console-template-hint = Cada [[clauses]] tiene un id, confirm = "initials" o "tick", su texto en cada idioma (text.en, text.es), y puede indicar for = "adult", "minor" o "guardian" y optional = true. Guardar una plantilla cambiada crea una nueva versión; las exenciones ya firmadas conservan la suya.
console-settings-questions = Preguntas de salud
console-questions-text = Archivo de preguntas de salud (TOML)
console-questions-hint = Cada [[questions]] tiene un id, kind (allergy, condition, disease, medication u other), name (lo que ve el personal), details (required, optional o none) y su texto en cada idioma.
console-preview-language = Vista previa en
console-preview = Vista previa
console-save-template = Guardar la plantilla
console-save-questions = Guardar las preguntas
console-preview-title = Vista previa (sin guardar)
console-preview-adult = Lo que lee un adulto
console-preview-minor = Lo que leen un menor y su tutor
console-preview-questions = Preguntas de salud
console-preview-initials = iniciales
console-preview-tick = casilla
console-preview-optional = opcional
console-preview-guardian = la confirma el tutor
console-file-too-long = El archivo tiene más de { $max } caracteres: no se guardó nada.

## Staff console: other apps' exports
console-import-app = De { $app }
console-import-app-recognised = De { $app }, reconocido por su encabezado
console-import-skipped = Filas sin nombre, correo ni teléfono (omitidas)
console-import-to-notes = Añadir a las notas (Columna: valor)
console-import-whole-name = Nombre completo (nombre y apellido)
console-import-how-fallback = Solo se usa si la columna anterior está vacía.
console-import-how-subscription = Subscribed o Unsubscribed, leído como consentimiento.
console-import-how-negated = Aquí «sí» significa «no».
console-import-how-country-code = Prefijo del país primero, sin +.
console-import-how-no-year = Un cumpleaños sin año se guarda en las notas.
console-import-how-date-time = Se descarta la hora que sigue a la fecha.
console-import-never-history = Historial (visitas, gasto, recuentos): solo se importa la información del perfil.
console-import-never-private = Datos de pago o de identidad: nunca se importan.
console-import-never-export-only = Escrita por una exportación de Intake: no es información del perfil.
console-import-read-as = Leer el archivo como
console-import-read-as-header = Reconocido por su encabezado
console-import-read-as-studio = El formato propio de Intake
console-import-read-again = Leerlo así
