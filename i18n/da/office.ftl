# The office's public page (web/office/), Danish. $n and $m are filled
# in by the page (people waiting, minutes).

language-name = Dansk
language = Sprog
title = Tag et nummer
loading = Indlæser…
not-found = Dette kontor findes ikke.
none = Ingen ydelser tager imod numre på afstand lige nu. Tag venligst et nummer på kontoret.
choose = Hvad kommer du for?
notify = Giv mig besked (valgfrit)
notify-hint = Vi bruger dem kun til besked om dit nummer og sletter dem bagefter.
phone = Mobiltelefon
email = E-mail
take = Tag et nummer
taking = Tager dit nummer…
waiting = { $n } venter
range = { $low }–{ $high } min
wait = ca. { $m } min
full = fuldt lige nu
no-desk-open = ingen skranke er åben lige nu
pick-service = Vælg venligst en ydelse.
refused = Der blev ikke udstedt et nummer.
busy = For mange numre fra denne enhed. Prøv igen om lidt.
offline = Ingen forbindelse. Prøv igen.
standards-link = Vores servicemål og ventetider
