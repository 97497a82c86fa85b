# The office's public page (web/office/), English. $n and $m are filled
# in by the page (people waiting, minutes).

language-name = English
language = Language
title = Take a ticket
loading = Loading…
not-found = This office does not exist.
none = No service takes remote tickets at the moment. Please take a ticket at the office.
choose = What do you come for?
notify = Notify me (optional)
notify-hint = We use these only to tell you about your ticket and delete them afterwards.
phone = Mobile phone
email = E-mail
take = Take a ticket
taking = Taking your ticket…
waiting = Waiting: { $n }
range = { $low }–{ $high } min
wait = about { $m } min
full = full for now
no-desk-open = no desk open at the moment
pick-service = Please choose a service.
refused = No ticket was issued.
busy = Too many tickets from this device. Please try again in a moment.
offline = No connection. Please try again.
standards-link = Our service standards and waiting times
