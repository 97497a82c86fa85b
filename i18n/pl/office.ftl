# The office's public page (web/office/), Polish. $n and $m are filled
# in by the page (people waiting, minutes).

language-name = Polski
language = Język
title = Pobierz bilet
loading = Ładowanie…
not-found = Ten urząd nie istnieje.
none = Obecnie żadna sprawa nie przyjmuje biletów zdalnych. Prosimy pobrać bilet w urzędzie.
choose = W jakiej sprawie przychodzisz?
notify = Powiadom mnie (opcjonalnie)
notify-hint = Używamy tych danych tylko do powiadomień o bilecie, a potem je usuwamy.
phone = Telefon komórkowy
email = E-mail
take = Pobierz bilet
taking = Pobieranie biletu…
waiting = oczekujący: { $n }
range = { $low }–{ $high } min
wait = około { $m } min
full = chwilowo brak miejsc
no-desk-open = obecnie żadne stanowisko nie jest otwarte
pick-service = Wybierz sprawę.
refused = Bilet nie został wydany.
busy = Za dużo biletów z tego urządzenia. Spróbuj ponownie za chwilę.
offline = Brak połączenia. Spróbuj ponownie.
standards-link = Nasze standardy obsługi i czasy oczekiwania
