# Waiting-room display (web/display/), Danish. Variables in braces are
# filled in by the page: $n, $h, $m minutes and hours, $number and $desk
# of a call (announced aloud).

now_calling = Nu kaldes
called_again = Kaldt igen
no_calls = Vent venligst på dit nummer
previous_calls = Tidligere kald
service = Ekspedition
waiting = Venter
estimated_wait = Ca. ventetid
minutes = { $n } min.
hours_minutes = { $h } t. { $m } min.
minutes_range = { $low }–{ $high } min
under_minute = < 1 min.
no_desk_open = Ingen skranke åben
reconnecting = Genopretter forbindelse…
setup_title = Denne skærm er ikke sat op endnu
setup_text = Åbn siden med skærmens token: /display/#token=…
token_rejected = Skærmens token blev ikke godkendt. Bed en leder om et nyt link.
announce = Nummer { $number }, skranke { $desk }
announce_named = Nummer { $number }, { $desk }
