# The public booking page (web/book/), English. $time, $day and $service
# are filled in by the page.

language-name = English
language = Language
page-title = Book an appointment
loading = Loading…
booking-title = Book an appointment
service = Service
no-services = No services can be booked at this office.
day = Day
find = Show free times
times-title = Free times
no-slots = No free times on this day. Please choose another day.
fully-booked = { $time }, fully booked
your-booking = Your booking
contact-hint = Contact details are optional; the office uses them only if it has to change your appointment.
phone = Phone (optional)
email = E-mail (optional)
book = Book this time
confirmation-title = Your appointment
date = Date
time = Time
code = Confirmation code
ticket = Ticket
kiosk-hint = At the office, touch “I have an appointment” on the kiosk and type this code or hold this QR code to its scanner.
qr-alt = QR code of this booking
page-link = Link to this booking
cancel = Cancel this appointment
cancel-confirm = Cancel this appointment?
status-booked = Booked
status-cancelled = Cancelled
status-checked_in = Checked in
status-missed = Missed (nobody checked in)
no-branch = Open this page from your office's booking link (/book/?branch=…).
not-found = This booking or office does not exist.
slot-taken = Someone else has just booked this time. Please choose another one.
failed = The booking did not go through. Please try again.
offline = No connection. Please try again.
