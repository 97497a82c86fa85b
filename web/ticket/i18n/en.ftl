# The visitor's ticket page, English. Served formatted by
# GET /api/v1/i18n/ticket/en with $ahead and $wait_min.

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
