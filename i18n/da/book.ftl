# The public booking page (web/book/), Danish.

language-name = Dansk
language = Sprog
page-title = Book en tid
loading = Indlæser…
booking-title = Book en tid
service = Ydelse
no-services = Der kan ikke bookes tider på dette kontor.
day = Dag
find = Vis ledige tider
times-title = Ledige tider
no-slots = Ingen ledige tider denne dag. Vælg en anden dag.
fully-booked = { $time }, fuldt booket
your-booking = Din booking
contact-hint = Kontaktoplysninger er valgfrie; kontoret bruger dem kun, hvis din tid skal ændres.
phone = Telefon (valgfrit)
email = E-mail (valgfrit)
book = Book denne tid
confirmation-title = Din tid
date = Dato
time = Tidspunkt
code = Bekræftelseskode
ticket = Nummer
kiosk-hint = Tryk på „Jeg har en aftale“ på kiosken på kontoret, og indtast koden, eller hold QR-koden hen til scanneren.
qr-alt = QR-kode for denne booking
page-link = Link til denne booking
cancel = Aflys denne tid
cancel-confirm = Aflys denne tid?
status-booked = Booket
status-cancelled = Aflyst
status-checked_in = Mødt
status-missed = Udeblevet (ingen mødte op)
no-branch = Åbn siden fra dit kontors bookinglink (/book/?branch=…).
not-found = Denne booking eller dette kontor findes ikke.
slot-taken = En anden har lige booket denne tid. Vælg en anden.
failed = Bookingen lykkedes ikke. Prøv igen.
offline = Ingen forbindelse. Prøv igen.
