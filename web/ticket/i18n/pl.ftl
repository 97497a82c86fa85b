# The visitor's ticket page, Polish (four plural forms).

language-name = Polski
title = Twój numerek
loading = Wczytywanie numerka…
language = Język
status-waiting = Oczekiwanie
ahead = { $ahead ->
    [0] Jesteś następny w kolejce
    [one] { $ahead } osoba przed Tobą
    [few] { $ahead } osoby przed Tobą
    [many] { $ahead } osób przed Tobą
   *[other] { $ahead } osoby przed Tobą
}
# "około" takes the genitive: około 1 minuty, około 2/5/22 minut.
wait = { $wait_min ->
    [0] Za chwilę nadejdzie Twoja kolej
    [one] Szacowany czas oczekiwania: około { $wait_min } minuty
    [few] Szacowany czas oczekiwania: około { $wait_min } minut
    [many] Szacowany czas oczekiwania: około { $wait_min } minut
   *[other] Szacowany czas oczekiwania: około { $wait_min } minuty
}
called-title = Twoja kolej!
go-to = Podejdź do stanowiska
serving = Jesteś obsługiwany przy stanowisku
status-done = Wizyta zakończona. Dziękujemy!
status-no_show = Zostałeś wywołany, ale nie podszedłeś. Zapytaj w punkcie informacyjnym.
status-cancelled = Ten numerek został anulowany.
status-parked = Twój numerek jest wstrzymany. Pozostań w pobliżu: zostaniesz wywołany ponownie.
status-expired = Ten numerek wygasł. Pobierz nowy numerek.
status-transferred = Twój numerek przeniesiono do innej kolejki.
not-found = Taki numerek nie istnieje. Sprawdź adres na swoim numerku.
offline = Brak połączenia. Próbujemy ponownie…
keep-open = Ta strona odświeża się sama. Zostaw ją otwartą i obserwuj ekrany.
