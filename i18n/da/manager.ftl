# Lederkonsollen (web/manager/), dansk. Variabler i krøllede parenteser
# udfyldes af siden; flertalsformen for $count vælges af siden
# (web/common/i18n.js). Alle sprog har de samme besked-id'er. Teksterne
# chart-* og staffing-chart-* tegner serveren ind i SVG-diagrammerne.

language-name = Dansk
language = Sprog
app-sub = Lederkonsol
skip = Gå til konsollen
title-sign-in = Log ind – Lederkonsol – Waitwell
title-tab = { $tab } – Lederkonsol – Waitwell
branch = Afdeling
sign-out = Log ud
who = { $user } ({ $role })
conn-live = Live
conn-connecting = Forbinder…
conn-offline = Offline – prøver igen
sign-in = Log ind
sign-in-hint = For ledere og administratorer.
user-name = Brugernavn
password = Adgangskode
session-ended = Din session er udløbet. Log ind igen.
wrong-password = Forkert brugernavn eller adgangskode.
cannot-sign-in = Kan ikke logge ind: { $message }
not-allowed = Ikke tilladt: { $message }
cannot-reach = Kan ikke nå serveren: { $message }
not-a-manager = { $user } er { $role }: lederkonsollen er for ledere og administratorer.
no-branch = Der er endnu ingen afdeling. Opret en med POST /api/v1/branches.
role-clerk = sagsbehandler
role-manager = leder
role-admin = administrator
sections = Afsnit
tab-monitor = Overblik
tab-allocation = Fordeling
tab-config = Opsætning
tab-reports = Rapporter
tab-staffing = Bemanding
tab-appointments = Aftaler

## Shared words

save = Gem
save-named = Gem { $name }
saving-named = Gemmer { $name }
saved-named = { $name } er gemt.
show = Vis
day = Dag
from = Fra
to = Til
name = Navn
since = siden { $time }
unknown = ukendt
hide = Skjul
the-desk = skranken
ago-never = aldrig
ago-now = lige nu
ago-min = for { $count } min. siden
ago-h = for { $count } t. siden
ago-d = { $count ->
    [one] for { $count } dag siden
   *[other] for { $count } dage siden
}
col-service = Ydelse
col-desk = Skranke
col-clerk = Sagsbehandler
col-status = Status
col-time = Tid
col-ticket = Billet
col-code = Kode
col-name = Navn
col-active = Aktiv
col-reason = Begrundelse
desk-open = åben
desk-paused = pause
desk-closed = lukket
kind-kiosk = kiosk
kind-display = skærm
printer-ok = ok
printer-paper_out = papir opbrugt
printer-paper_low = lidt papir
printer-cover_open = låget er åbent
printer-offline = kan ikke nås
printer-error = fejl

## Monitor

queues = Køer
col-waiting = Venter
col-longest-wait = Længste ventetid
col-standard = Servicemål
col-est-wait = Forventet ventetid
wait-range = { $low }–{ $high } min
no-open-desk = Ingen åben skranke
col-open-desks = Åbne skranker
desks = Skranker
col-current-ticket = Aktuel billet
col-for = Varighed
alerts = Advarsler
latest-calls = Seneste kald
waiting-count = { $count ->
    [one] { $count } venter
   *[other] { $count } venter
}
desks-open-of = { $open } af { $count } åbne
flag-over = over
no-clerk = ingen sagsbehandler
desk-free = ledig
badge-serving = betjenes
badge-called = kaldt
user-id = bruger #{ $id }
desk-id = skranke { $id }
recall = (kaldt igen)
no-calls = Ingen kald endnu i dag.
all-clear = Alt er i orden.
alert-breach = { $service }: { $number } har ventet { $waited }, over servicemålet på { $standard }.
alert-no-desk = { $count ->
    [one] { $service }: { $count } venter, og ingen åben skranke betjener ydelsen.
   *[other] { $service }: { $count } venter, og ingen åben skranke betjener ydelsen.
}
alert-printer = Printeren ved { $device }: { $status }, siden { $since }.
alert-printer-detail = Printeren ved { $device }: { $status } ({ $detail }), siden { $since }.
alert-display = Skærmen { $device } er offline: sidst set { $seen }.

## Allocation

allocation-title = Hvilken skranke betjener hvilken ydelse
save-all = Gem alle
allocation-hint = Vægt 1–10: hvor meget en skranke foretrækker en ydelse (hvert trin over 1 tæller som { $step } min. ekstra ventetid). Lad feltet stå tomt, hvis skranken ikke betjener ydelsen. En ændring gælder fra skrankens næste kald og registreres i hændelsesloggen.
weight-label = Vægt for { $service } ved { $desk }
weight-invalid = { $field } skal være et helt tal fra 1 til 10 eller tomt.
not-saved = Ikke gemt
loading-allocation = Henter fordelingen
allocation-saved = { $desk } betjener nu { $services }; fra næste kald.
allocation-saved-nothing = { $desk } betjener nu ingen ydelser; fra næste kald.
nothing-to-save = Intet at gemme.
saved-desks = { $count ->
    [one] { $count } skranke gemt; ændringerne gælder fra hver skrankes næste kald.
   *[other] { $count } skranker gemt; ændringerne gælder fra hver skrankes næste kald.
}

## Configuration

loading-config = Henter opsætningen
timezone-iana = Tidszone (IANA)
day-ends-at = Dagen slutter kl.
languages = Sprog
languages-hint = (kommasepareret, det første er standard)
kiosk-message = Besked på kiosken
priority-credit = Fortrinsforspring (min.)
appointment-credit = Forspring for aftaler (min.)
weight-step = Vægttrin (min.)
priority-interleave = Fortrinsfordeling
priority-interleave-hint = (1 fortrinsbillet pr. N kald; 0 = ingen grænse)
save-branch = Gem afdeling
saving-branch = Gemmer afdelingen
branch-saved = Afdelingen er gemt.
services = Ydelser
col-names = Navne pr. sprog
col-names-hint = (sprog=navn; …)
col-category = Kategori
col-standard-min = Servicemål (min.)
col-expected-min = Forventet (min.)
col-priority = Fortrin
col-remote = Fjern
col-remote-day = Fjern/dag
col-walk-in = Uden aftale %
new-service = Ny ydelse
add-service = Tilføj ydelse
adding-service = Tilføjer ydelsen
service-added = Ydelsen { $code } er tilføjet. Giv den en skranke under Fordeling.
service-saved = Ydelsen { $code } er gemt.
names-of = Navne for { $code }
not-lang-name = "{ $part }" er ikke sprog=navn
label-name-of = Navn på { $name }
label-names-of = Navne pr. sprog for { $code }
label-category-of = Kategori for { $code }
label-standard-of = Servicemål for { $code }, minutter
label-expected-of = Forventet varighed for { $code }, minutter
label-priority-of = Fortrin tilladt for { $code }
label-active = { $name } aktiv
label-remote-of = Fjernbilletter for { $code }
label-remote-cap-of = Fjernbilletter pr. dag for { $code }
label-walk-in-of = Andel holdt til kunder uden aftale for { $code }, procent
placeholder-none = ingen
new-desk = Ny skranke
add-desk = Tilføj skranke
adding-desk = Tilføjer skranken
desk-added = { $name } er tilføjet. Vælg dens ydelser under Fordeling.
users-title = Brugere og roller
col-role = Rolle
col-new-password = Ny adgangskode
new-user = Ny bruger
sign-in-name = Brugernavn til login
first-password = Første adgangskode
add-user = Tilføj bruger
adding-user = Tilføjer brugeren
user-added = { $user } er tilføjet som { $role }.
user-you = { $user } (dig)
label-role-of = Rolle for { $user }
label-password-of = Ny adgangskode for { $user }
placeholder-unchanged = uændret
nothing-changed = Intet ændret for { $user }.
devices = Enheder
devices-hint = En enheds token vises én gang, når den oprettes eller udskiftes. En enhed regnes som online, når den har meldt sig inden for de seneste 2 minutter.
col-kind = Type
col-last-seen = Sidst set
col-printer = Printer
col-actions = Handlinger
new-device = Ny enhed
add-device = Tilføj enhed
adding-device = Tilføjer enheden
label-device-name-of = Navn på enheden { $name }
online = online
offline = offline
no-report = ingen melding
new-token = Ny token
new-token-for = Ny token til { $name }
confirm-rotate = Udskift token for { $name }? Enheden holder op med at virke, indtil den får den nye.
token-for = Token til { $name } ({ $kind })
token-copy = – kopiér den nu; den vises ikke igen:

## Reports

show-report = Vis rapport
download-csv = Hent CSV
downloading-csv = Henter CSV
loading-report = Henter rapporten
loading-chart = Henter et diagram
arrivals-caption = Udstedte billetter pr. time på dagen, afdelingens tid.
waits-caption = Gennemsnitlig ventetid og 90-procent-fraktil pr. ydelse; den stiplede linje er servicemålet.
arrivals-alt = Udstedte billetter pr. time på dagen, { $from } til { $to }
waits-alt = Gennemsnitlig ventetid og 90-procent-fraktil pr. ydelse mod servicemålet, { $from } til { $to }
per-service = Pr. ydelse
per-desk = Pr. skranke
per-clerk = Pr. sagsbehandler
kpi-tickets = Billetter
kpi-served = Betjent
kpi-no-shows = Udeblevne
kpi-avg-wait = Gns. ventetid
kpi-p90-wait = 90 % ventetid
kpi-avg-service = Gns. betjening
kpi-p90-service = 90 % betjening
kpi-within-standard = Inden for målet
kpi-out-of-turn = Uden for tur
kpi-p90 = 90 %: { $value }
nothing-in-period = Intet i denne periode.
service-with-standard = { $service } (servicemål { $standard })
feedback-title = Besøgendes bedømmelser
feedback-hint = Bedømmelser fra 1 til 5 givet på billetsiden eller på tabletten ved udgangen, pr. ydelse, skranke og sagsbehandler (den, der kaldte den besøgende).
oot-title = Kald uden for tur
oot-hint = Hvert kald, der sprang køens rækkefølge over, med sagsbehandlerens begrundelse.
calls-count = { $count ->
    [one] { $count } kald
   *[other] { $count } kald
}
no-oot = Ingen kald uden for tur i denne periode.
col-ratings = Bedømmelser
col-average = Gennemsnit
col-rating = Bedømmelse
col-comment = Kommentar
average-rating = Gennemsnitlig bedømmelse
no-ratings = Ingen bedømmelser i denne periode.
comments-caption = Kommentarer, nyeste først
no-comments = Ingen kommentarer i denne periode.
by-service = Pr. ydelse
by-desk = Pr. skranke
by-clerk = Pr. sagsbehandler
chart-arrivals-title = Udstedte billetter pr. time, { $from } til { $to } ({ $timezone })
chart-tickets-issued = Udstedte billetter
chart-unit-tickets = billetter
chart-waits-title = Ventetid pr. ydelse, { $from } til { $to }
chart-average-wait = Gns. ventetid
chart-p90-wait = 90-procent-fraktil
chart-unit-min = min.
chart-standard = Servicemål

## Staffing

staffing-title = Bemandingsråd
staffing-hint = Pr. time og ydelse: de skranker, der skal til for at kalde { $share } % af de besøgende inden for servicemålet, forudsagt ud fra samme ugedag i de seneste 8 uger, ved siden af de skrankertimer, der var åbne. Hvor ydelser deler skranker, er summen en nedre grænse.
loading-staffing = Henter bemandingsrådene
staffing-chart-caption = Nødvendige skranker og åbne skrankertimer pr. time på dagen, alle ydelser samlet, afdelingens tid.
staffing-chart-alt = Nødvendige og åbne skranker pr. time, { $day }
staffing-chart-title = Nødvendige og åbne skranker pr. time, { $day } ({ $timezone })
staffing-chart-needed = Nødvendige skranker
staffing-chart-open = Åbne skranker
staffing-chart-unit = skranker
staffing-table-title = Pr. time og ydelse
staffing-caption = Nødvendige og åbne skranker pr. time og ydelse, { $day } ({ $timezone })
col-hour = Time
col-needed = Behov
col-open = Åbne
too-few = for få
history-days = { $count ->
    [one] Forudsigelse ud fra { $count } dag med besøgende på denne ugedag.
   *[other] Forudsigelse ud fra { $count } dage med besøgende på denne ugedag.
}
no-history = Ingen forudsigelse endnu: ingen besøgende på denne ugedag i de seneste 8 uger.
future-day = En fremtidig dag: ingen skranker er åbne endnu.
short-hours = { $count ->
    [one] I { $count } celle var færre skranker åbne end nødvendigt.
   *[other] I { $count } celler var færre skranker åbne end nødvendigt.
}
no-short-hours = Der var nok åbne skranker i alle timer.

## Staffing: what if

what-if-title = Hvad nu hvis…
what-if-hint = Prøv en ændring af planen for resten af i dag: en skranke, der åbner, eller en, der holder pause. Resten af dagen simuleres to gange: som planlagt nu (åbne skranker holder åbent til dagens slutning, de andre forbliver lukkede) og med ændringerne. Tiderne er afdelingens. Intet i afdelingen bliver ændret.
loading-what-if = Henter skranker og ydelser
what-if-change-n = Ændring { $n }
what-if-choose-desk = Vælg en skranke
what-if-desk-option = { $desk } ({ $status })
what-if-action = Handling
what-if-opens = åbner
what-if-break = holder pause
what-if-from-hint = (tom: nu)
what-if-to-hint = (tom: dagens slutning)
what-if-services = Kun disse ydelser
what-if-services-hint = (ingen valgt: skrankens egen fordeling)
what-if-add = Tilføj en ændring
what-if-remove = Fjern
what-if-remove-n = Fjern ændring { $n }
what-if-removed = Ændring { $n } er fjernet.
what-if-simulate = Simulér
what-if-simulating = Simulerer ændringerne
what-if-summary = Med disse ændringer: { $share } af de besøgende kaldt inden for servicemålet (nu { $share_now }), længste ventetid { $longest } (nu { $longest_now }).
what-if-summary-not-called = Besøgende, der ikke er kaldt ved dagens slutning: { $visitors } (nu { $now }).
what-if-no-visitors = Der ventes ingen besøgende resten af dagen: ændringerne gør ingen forskel.
what-if-none = ingen besøgende
what-if-minutes = { $min } min.
what-if-period = Simuleret fra { $from } til { $until } ({ $timezone }), gennemsnittet af { $runs } simulerede dage.
what-if-history = { $count ->
    [one] Ankomster forudsagt ud fra { $count } dag med besøgende på denne ugedag.
   *[other] Ankomster forudsagt ud fra { $count } dage med besøgende på denne ugedag.
}
what-if-no-history = Ingen forudsigelse endnu: kun de besøgende, der venter nu, simuleres.
what-if-caption = Resten af { $day }, nu og med ændringerne
what-if-visitors = Besøgende
what-if-within = Inden for målet
what-if-longest = Længste ventetid
what-if-not-called = Ikke kaldt i dag
what-if-now = Nu
what-if-with-changes = Med ændringer
what-if-standard = (servicemål { $standard })
what-if-all-services = Alle ydelser

## Appointments

appt-day-title = Dagens aftaler
appt-book-before = Besøgende booker på
appt-book-link = bookingsiden
appt-book-after = .
col-contact = Kontakt
appt-empty = Ingen aftaler denne dag.
appt-booked = booket
appt-cancelled = aflyst
appt-checked_in = tjekket ind
appt-missed = udeblevet
loading-appointments = Henter aftaler
opening-hours = Åbningstider
hours-hint-before = Tider tilbydes inden for disse timer i afdelingens tidszone. Flere intervaller på en dag adskilles med komma, f.eks.
hours-hint-after = ; lad en dag stå tom, når der er lukket.
day-mon = Mandag
day-tue = Tirsdag
day-wed = Onsdag
day-thu = Torsdag
day-fri = Fredag
day-sat = Lørdag
day-sun = Søndag
placeholder-closed = lukket
closed-dates = Lukkedage (ÅÅÅÅ-MM-DD, adskilt med komma)
grace = Frist for forsinkede besøgende, minutter
later-than-that = Senere end det
late-walk-in = en almindelig billet (uden aftale)
late-refuse = ingen billet: afvis indtjekningen
save-hours = Gem åbningstider
saving-hours = Gemmer åbningstider
hours-saved = Åbningstiderne er gemt.
bookable-services = Ydelser, der kan bookes
bookable-hint = Hver tid tilbyder de skranker, der er fordelt til ydelsen, minus den andel, der holdes til kunder uden aftale (rundet ned). En tom tidslængde betyder den forventede betjeningstid rundet op til 5 minutter.
col-bookable = Kan bookes
col-slot-length = Tidslængde, min.
col-walk-in-share = Andel uden aftale, %
label-bookable = { $code } kan bookes
label-slot-length = { $code } tidslængde i minutter
label-walk-in-share = { $code } andel uden aftale i procent
loading-services = Henter ydelser
appt-settings-saved = { $code }: aftaleindstillingerne er gemt.

# Office texts per language (categories, desk names, the kiosk message).
label-category-names-of = Kategori pr. sprog for { $code }
label-desk-names-of = Navn på { $name } pr. sprog, til borgerne
kiosk-messages = Kioskbesked pr. sprog
kiosk-messages-hint = (sprog=besked; …)
