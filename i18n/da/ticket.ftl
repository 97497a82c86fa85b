# The visitor's ticket page, Danish.

language-name = Dansk
title = Dit nummer
loading = Henter dit nummer…
language = Sprog
status-waiting = Venter
ahead = { $ahead ->
    [0] Du er den næste
    [one] { $ahead } person foran dig
   *[other] { $ahead } personer foran dig
}
wait = { $wait_min ->
    [0] Det er snart din tur
    [one] Forventet ventetid: ca. { $wait_min } minut
   *[other] Forventet ventetid: ca. { $wait_min } minutter
}
wait-range = Forventet ventetid: { $low_min }–{ $high_min } minutter
no-desk = Ingen skranke betjener denne kø lige nu. Du beholder din plads.
called-title = Det er din tur!
go-to = Gå venligst til
serving = Du bliver betjent ved
status-done = Dit besøg er afsluttet. Tak!
status-no_show = Du blev kaldt, men kom ikke. Spørg venligst i informationen.
status-cancelled = Dette nummer er annulleret.
status-parked = Dit nummer er sat på hold. Bliv i nærheden: du bliver kaldt igen.
status-expired = Dette nummer er udløbet. Tag venligst et nyt nummer.
status-transferred = Dit nummer er flyttet til en anden kø.
not-found = Dette nummer findes ikke. Tjek adressen på dit nummer.
offline = Ingen forbindelse. Prøver igen…
keep-open = Siden opdaterer sig selv. Hold den åben, og hold øje med skærmene.
postpone = Lad andre gå først
cancel = Annuller mit nummer
keep = Behold mit nummer
confirm-postpone = Rykke bagerst i køen? Alle, der venter nu, kommer før dig. Det kan du kun gøre én gang.
confirm-postpone-yes = Ja, ryk mig bagud
confirm-cancel = Annullere dit nummer? Du mister din plads i køen.
confirm-cancel-yes = Ja, annuller mit nummer
postponed = Du er rykket bagud i køen én gang. Et nummer kan kun rykkes bagud én gang.
postpone-done = Sådan: du står nu bagerst i køen.
postpone-refused = Dette nummer er allerede rykket bagud én gang og kan ikke rykkes igen.
action-failed = Det lykkedes ikke. Prøv igen, eller spørg i informationen.
sound-on = Slå lyd til for kaldet
sound-is-on = Lyden er slået til for kaldet
announce = Det er din tur! Gå venligst til
feedback-title = Hvordan var dit besøg?
rating-1 = 1 – meget dårligt
rating-2 = 2 – dårligt
rating-3 = 3 – middel
rating-4 = 4 – godt
rating-5 = 5 – meget godt
feedback-comment = Kommentar (valgfri)
feedback-send = Send
feedback-choose = Vælg venligst 1 til 5 stjerner.
feedback-thanks = Tak for din vurdering!
tablet-title = Hvordan var dit besøg i dag?
tablet-number = Dit nummer
tablet-not-found = Vi kan ikke finde dette nummer i dag. Tjek det venligst.
tablet-not-done = Dette besøg er ikke afsluttet endnu.
tablet-already = Dette besøg er allerede vurderet. Tak!
