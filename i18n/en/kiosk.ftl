# Kiosk touch page, English. Served formatted by GET /api/v1/i18n/kiosk/en
# with the numbers $ahead (people ahead), $wait_min (minutes of wait) and
# $low_min to $high_min (the predicted range of the wait, minutes).
# Every language file has the same message ids; a language is one file.

language-name = English
welcome = Welcome
start-prompt = Touch your language to take a ticket
choose-category = What have you come for?
choose-service = Choose a service
back = Back
start-over = Start over
priority-title = Do you need priority assistance?
priority-text = Priority is for visitors with a disability, elderly visitors and pregnant visitors.
priority-no = No, a regular ticket
priority-yes = Yes, I need priority
issuing = Getting your ticket…
retrying = Connection problem. Trying again…
error-title = Sorry, no ticket was issued
error-network = The kiosk cannot reach the server. Try again, or ask a member of staff.
try-again = Try again
no-services = No services are available right now. Please ask a member of staff.
your-number = Your number
priority-mark = Priority
ahead = { $ahead ->
    [0] Nobody is ahead of you
    [one] { $ahead } person ahead of you
   *[other] { $ahead } people ahead of you
}
wait = { $wait_min ->
    [0] You will be called very soon
    [one] Estimated wait: about { $wait_min } minute
   *[other] Estimated wait: about { $wait_min } minutes
}
wait-range = Expected wait: { $low_min }–{ $high_min } minutes
no-desk = No desk is serving this queue right now. You keep your place.
take-ticket = Please take your printed ticket.
scan = Scan to follow your place in the queue on your phone
done = Done
not-set-up-title = This kiosk is not set up yet
not-set-up-text = Open this page with its kiosk token: /kiosk/#token=…
appointment-button = I have an appointment
appointment-title = Check in for your appointment
appointment-prompt = Type the code from your booking confirmation, or scan its QR code.
check-in = Check in
checking-in = Checking you in…
check-in-error = Sorry, we could not check you in
appointment-mark = Appointment
appointment-late = You are late: you will be served as a regular visitor.
error-refused = The kiosk could not do this. Please ask a member of staff for help.
error-service-unavailable = This service is not available right now. Please choose another one or ask a member of staff.
error-appointment-not-found = No appointment was found with this code. Please check the code or ask a member of staff.
out-of-order-title = This kiosk is out of order
out-of-order-text = Please ask a member of staff for a ticket. The kiosk will be back by itself.
language = Language
code-keys = Code keys
delete-key = Delete
a11y-button = Accessibility
a11y-speech = Read aloud
a11y-contrast = High contrast
a11y-large = Large text
a11y-low = Low reach
