# Kiosk touch page, Danish.

language-name = Dansk
welcome = Velkommen
start-prompt = Tryk på dit sprog for at trække et nummer
choose-category = Hvad kommer du for?
choose-service = Vælg en ydelse
back = Tilbage
start-over = Forfra
priority-title = Har du brug for at blive prioriteret?
priority-text = Prioritet er for besøgende med handicap, ældre besøgende og gravide.
priority-no = Nej, et almindeligt nummer
priority-yes = Ja, jeg har brug for prioritet
issuing = Dit nummer hentes…
retrying = Forbindelsesproblem. Prøver igen…
error-title = Beklager, der blev ikke udstedt et nummer
error-network = Kiosken kan ikke få forbindelse til serveren. Prøv igen, eller spørg en medarbejder.
try-again = Prøv igen
no-services = Ingen ydelser er tilgængelige lige nu. Spørg en medarbejder.
your-number = Dit nummer
priority-mark = Prioritet
ahead = { $ahead ->
    [0] Der er ingen foran dig
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
take-ticket = Tag venligst din udskrevne billet.
scan = Scan for at følge din plads i køen på din telefon
done = Færdig
not-set-up-title = Denne kiosk er ikke sat op endnu
not-set-up-text = Åbn siden med kioskens token: /kiosk/#token=…
appointment-button = Jeg har en tid
appointment-title = Tjek ind til din aftale
appointment-prompt = Skriv koden fra din bekræftelse, eller scan dens QR-kode.
check-in = Tjek ind
checking-in = Tjekker dig ind…
check-in-error = Beklager, vi kunne ikke tjekke dig ind
appointment-mark = Aftale
appointment-late = Du er for sent på den: du bliver betjent som almindelig besøgende.
error-refused = Kiosken kunne ikke gøre dette. Bed en medarbejder om hjælp.
error-service-unavailable = Denne ydelse er ikke tilgængelig lige nu. Vælg en anden, eller spørg en medarbejder.
error-appointment-not-found = Der blev ikke fundet en aftale med denne kode. Tjek koden, eller spørg en medarbejder.
out-of-order-title = Kiosken er ude af drift
out-of-order-text = Bed en medarbejder om et nummer. Kiosken starter selv igen.
language = Sprog
code-keys = Kodetaster
delete-key = Slet
a11y-button = Tilgængelighed
a11y-speech = Læs højt
a11y-contrast = Høj kontrast
a11y-large = Stor tekst
a11y-low = Lav rækkevidde
