# The visitor's ticket page, English. Served formatted by
# GET /api/v1/i18n/ticket/en with $ahead, $wait_min and the predicted
# range $low_min to $high_min (minutes).

language-name = English
title = Your ticket
loading = Loading your ticket…
language = Language
status-waiting = Waiting
ahead = { $ahead ->
    [0] You are next
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
called-title = It is your turn!
go-to = Please go to
serving = You are being served at
status-done = Your visit is complete. Thank you!
status-no_show = You were called but did not come. Please ask at the information desk.
status-cancelled = This ticket was cancelled.
status-parked = Your ticket is on hold. Please stay nearby: you will be called again.
status-expired = This ticket has expired. Please take a new ticket.
status-transferred = Your ticket was moved to another queue.
not-found = This ticket does not exist. Please check the address on your ticket.
offline = No connection. Trying again…
keep-open = This page updates by itself. Keep it open and watch the screens.
postpone = Let others go first
cancel = Cancel my ticket
keep = Keep my ticket
confirm-postpone = Move to the back of the queue? Everyone waiting now goes before you. You can do this only once.
confirm-postpone-yes = Yes, move me back
confirm-cancel = Cancel your ticket? You will lose your place in the queue.
confirm-cancel-yes = Yes, cancel my ticket
postponed = You moved back in the queue once. A ticket can be moved back only once.
postpone-done = Done: you are now at the back of the queue.
postpone-refused = This ticket was already moved back once and cannot be moved back again.
action-failed = That did not work. Please try again or ask at the information desk.
sound-on = Turn on sound for the call
sound-is-on = Sound is on for the call
announce = Your turn! Please go to
feedback-title = How was your visit?
rating-1 = 1 – very poor
rating-2 = 2 – poor
rating-3 = 3 – fair
rating-4 = 4 – good
rating-5 = 5 – very good
feedback-comment = Comment (optional)
feedback-send = Send
feedback-choose = Please choose from 1 to 5 stars.
feedback-thanks = Thank you for your feedback!
tablet-title = How was your visit today?
tablet-number = Your ticket number
tablet-not-found = We cannot find this ticket number today. Please check it.
tablet-not-done = This visit is not finished yet.
tablet-already = This visit was already rated. Thank you!
