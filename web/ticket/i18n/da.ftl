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
