# Waiting-room display (web/display/), English. Variables in braces are
# filled in by the page: $n, $h, $m minutes and hours, $number and $desk
# of a call (announced aloud).

now_calling = Now calling
called_again = Called again
no_calls = Please wait for your number
previous_calls = Previous calls
service = Service
waiting = Waiting
estimated_wait = Estimated wait
minutes = { $n } min
hours_minutes = { $h } h { $m } min
minutes_range = { $low }–{ $high } min
under_minute = < 1 min
no_desk_open = No desk open
reconnecting = Reconnecting…
setup_title = This screen is not set up yet
setup_text = Open this page with its display token: /display/#token=…
token_rejected = The display token was not accepted. Ask a manager for a new display link.
announce = Ticket { $number }, desk { $desk }
announce_named = Ticket { $number }, { $desk }
