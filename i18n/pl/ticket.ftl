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
wait-range = Przewidywany czas oczekiwania: { $low_min }–{ $high_min } min
no-desk = Żadne stanowisko nie obsługuje teraz tej kolejki. Twoje miejsce w kolejce jest zachowane.
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
postpone = Przepuść innych
cancel = Anuluj mój numerek
keep = Zachowaj numerek
confirm-postpone = Przejść na koniec kolejki? Wszyscy, którzy teraz czekają, zostaną obsłużeni przed Tobą. Można to zrobić tylko raz.
confirm-postpone-yes = Tak, przesuń mnie
confirm-cancel = Anulować numerek? Stracisz swoje miejsce w kolejce.
confirm-cancel-yes = Tak, anuluj numerek
postponed = Przesunąłeś się raz na koniec kolejki. Numerek można przesunąć tylko raz.
postpone-done = Gotowe: jesteś teraz na końcu kolejki.
postpone-refused = Ten numerek był już raz przesunięty i nie można go przesunąć ponownie.
action-failed = Nie udało się. Spróbuj ponownie lub zapytaj w punkcie informacyjnym.
sound-on = Włącz dźwięk wywołania
sound-is-on = Dźwięk wywołania jest włączony
announce = Twoja kolej! Podejdź do stanowiska
feedback-title = Jak oceniasz wizytę?
rating-1 = 1 – bardzo źle
rating-2 = 2 – źle
rating-3 = 3 – przeciętnie
rating-4 = 4 – dobrze
rating-5 = 5 – bardzo dobrze
feedback-comment = Komentarz (opcjonalnie)
feedback-send = Wyślij
feedback-choose = Wybierz od 1 do 5 gwiazdek.
feedback-thanks = Dziękujemy za opinię!
tablet-title = Jak oceniasz dzisiejszą wizytę?
tablet-number = Twój numerek
tablet-not-found = Nie znajdujemy dziś takiego numerka. Sprawdź go.
tablet-not-done = Ta wizyta jeszcze się nie zakończyła.
tablet-already = Ta wizyta została już oceniona. Dziękujemy!
