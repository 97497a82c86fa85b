# Konsola kierownika (web/manager/), polski. Zmienne w nawiasach klamrowych
# wstawia strona; formę liczby mnogiej dla $count wybiera strona
# (web/common/i18n.js). Każdy język ma te same identyfikatory komunikatów.
# Teksty chart-* i staffing-chart-* serwer wpisuje do wykresów SVG.

language-name = Polski
language = Język
app-sub = Konsola kierownika
skip = Przejdź do konsoli
title-sign-in = Logowanie – Konsola kierownika – Waitwell
title-tab = { $tab } – Konsola kierownika – Waitwell
branch = Placówka
sign-out = Wyloguj
who = { $user } ({ $role })
conn-live = Na żywo
conn-connecting = Łączenie…
conn-offline = Brak połączenia – ponawianie
sign-in = Zaloguj
sign-in-hint = Dla kierowników i administratorów.
user-name = Nazwa użytkownika
password = Hasło
session-ended = Sesja wygasła. Zaloguj się ponownie.
wrong-password = Błędna nazwa użytkownika lub hasło.
cannot-sign-in = Nie można się zalogować: { $message }
not-allowed = Brak uprawnień: { $message }
cannot-reach = Brak połączenia z serwerem: { $message }
not-a-manager = { $user } ma rolę „{ $role }”: konsola kierownika jest dla kierowników i administratorów.
no-branch = Nie ma jeszcze żadnej placówki. Utwórz ją przez POST /api/v1/branches.
role-clerk = urzędnik
role-manager = kierownik
role-admin = administrator
sections = Sekcje
tab-monitor = Podgląd
tab-allocation = Przydział
tab-config = Konfiguracja
tab-reports = Raporty
tab-staffing = Obsada
tab-appointments = Wizyty

## Shared words

save = Zapisz
save-named = Zapisz { $name }
saving-named = Zapisywanie: { $name }
saved-named = Zapisano: { $name }.
show = Pokaż
day = Dzień
from = Od
to = Do
name = Nazwa
since = od { $time }
unknown = nieznany
hide = Ukryj
the-desk = stanowisko
ago-never = nigdy
ago-now = przed chwilą
ago-min = { $count } min temu
ago-h = { $count } godz. temu
ago-d = { $count ->
    [one] { $count } dzień temu
   *[other] { $count } dni temu
}
col-service = Usługa
col-desk = Stanowisko
col-clerk = Urzędnik
col-status = Stan
col-time = Godzina
col-ticket = Bilet
col-code = Kod
col-name = Nazwa
col-active = Aktywne
col-reason = Powód
desk-open = otwarte
desk-paused = przerwa
desk-closed = zamknięte
kind-kiosk = kiosk
kind-display = ekran
printer-ok = sprawna
printer-paper_out = brak papieru
printer-paper_low = mało papieru
printer-cover_open = otwarta pokrywa
printer-offline = nieosiągalna
printer-error = błąd

## Monitor

queues = Kolejki
col-waiting = Oczekujący
col-longest-wait = Najdłuższe oczekiwanie
col-standard = Standard
col-est-wait = Przewidywany czas
wait-range = { $low }–{ $high } min
no-open-desk = Brak otwartego stanowiska
col-open-desks = Otwarte stanowiska
desks = Stanowiska
col-current-ticket = Obecny bilet
col-for = Czas
alerts = Alerty
latest-calls = Ostatnie wezwania
waiting-count = { $count ->
    [one] { $count } osoba czeka
    [few] { $count } osoby czekają
   *[many] { $count } osób czeka
}
desks-open-of = otwarte: { $open } z { $count }
flag-over = przekroczony
no-clerk = brak urzędnika
desk-free = wolne
badge-serving = obsługa
badge-called = wezwany
user-id = użytkownik #{ $id }
desk-id = stanowisko { $id }
recall = (ponowne wezwanie)
no-calls = Dziś jeszcze nikogo nie wezwano.
all-clear = Wszystko w porządku.
alert-breach = { $service }: { $number } czeka już { $waited }, dłużej niż standard { $standard }.
alert-no-desk = { $count ->
    [one] { $service }: czeka { $count } osoba, a żadne otwarte stanowisko tej usługi nie obsługuje.
    [few] { $service }: czekają { $count } osoby, a żadne otwarte stanowisko tej usługi nie obsługuje.
   *[many] { $service }: czeka { $count } osób, a żadne otwarte stanowisko tej usługi nie obsługuje.
}
alert-printer = Drukarka { $device }: { $status }, od { $since }.
alert-printer-detail = Drukarka { $device }: { $status } ({ $detail }), od { $since }.
alert-display = Ekran { $device } jest niedostępny: ostatnio widziany { $seen }.

## Allocation

allocation-title = Które stanowisko obsługuje którą usługę
save-all = Zapisz wszystko
allocation-hint = Waga 1–10: jak bardzo stanowisko preferuje usługę (każdy stopień powyżej 1 liczy się jak { $step } min dodatkowego oczekiwania). Zostaw pole puste, jeśli stanowisko nie obsługuje usługi. Zmiana obowiązuje od następnego wezwania na stanowisku i jest zapisywana w dzienniku zdarzeń.
weight-label = Waga { $service } na stanowisku { $desk }
weight-invalid = { $field }: wpisz liczbę całkowitą od 1 do 10 albo zostaw puste.
not-saved = Nie zapisano
loading-allocation = Wczytywanie przydziału
allocation-saved = { $desk } obsługuje teraz: { $services }; od następnego wezwania.
allocation-saved-nothing = { $desk } nie obsługuje teraz żadnej usługi; od następnego wezwania.
nothing-to-save = Nie ma nic do zapisania.
saved-desks = { $count ->
    [one] Zapisano { $count } stanowisko; zmiany obowiązują od następnego wezwania na każdym z nich.
    [few] Zapisano { $count } stanowiska; zmiany obowiązują od następnego wezwania na każdym z nich.
   *[many] Zapisano { $count } stanowisk; zmiany obowiązują od następnego wezwania na każdym z nich.
}

## Configuration

loading-config = Wczytywanie konfiguracji
timezone-iana = Strefa czasowa (IANA)
day-ends-at = Dzień kończy się o
languages = Języki
languages-hint = (oddzielone przecinkami, pierwszy jest domyślny)
kiosk-message = Komunikat na kiosku
priority-credit = Premia pierwszeństwa (min)
appointment-credit = Premia za umówioną wizytę (min)
weight-step = Stopień wagi (min)
priority-interleave = Przeplot pierwszeństwa
priority-interleave-hint = (1 bilet z pierwszeństwem na N wezwań; 0 = bez limitu)
save-branch = Zapisz placówkę
saving-branch = Zapisywanie placówki
branch-saved = Placówka zapisana.
services = Usługi
col-names = Nazwy w językach
col-names-hint = (język=nazwa; …)
col-category = Kategoria
col-standard-min = Standard (min)
col-expected-min = Przewidywany czas (min)
col-priority = Pierwszeństwo
col-remote = Zdalnie
col-remote-day = Zdalnie/dzień
col-walk-in = Bez rezerwacji %
new-service = Nowa usługa
add-service = Dodaj usługę
adding-service = Dodawanie usługi
service-added = Dodano usługę { $code }. Przydziel jej stanowisko w zakładce Przydział.
service-saved = Usługa { $code } zapisana.
names-of = Nazwy usługi { $code }
not-lang-name = „{ $part }” nie ma postaci język=nazwa
label-name-of = Nazwa: { $name }
label-names-of = Nazwy w językach: { $code }
label-category-of = Kategoria: { $code }
label-standard-of = Standard obsługi { $code }, minuty
label-expected-of = Przewidywany czas obsługi { $code }, minuty
label-priority-of = Pierwszeństwo dozwolone dla { $code }
label-active = { $name } aktywne
label-remote-of = Bilety zdalne dla { $code }
label-remote-cap-of = Bilety zdalne na dzień dla { $code }
label-walk-in-of = Udział zachowany dla osób bez rezerwacji, { $code }, procent
placeholder-none = brak
new-desk = Nowe stanowisko
add-desk = Dodaj stanowisko
adding-desk = Dodawanie stanowiska
desk-added = Dodano { $name }. Wybierz jego usługi w zakładce Przydział.
users-title = Użytkownicy i role
col-role = Rola
col-new-password = Nowe hasło
new-user = Nowy użytkownik
sign-in-name = Login
first-password = Pierwsze hasło
add-user = Dodaj użytkownika
adding-user = Dodawanie użytkownika
user-added = Dodano { $user } z rolą „{ $role }”.
user-you = { $user } (Ty)
label-role-of = Rola: { $user }
label-password-of = Nowe hasło dla { $user }
placeholder-unchanged = bez zmian
nothing-changed = Nic się nie zmieniło dla { $user }.
devices = Urządzenia
devices-hint = Token urządzenia jest pokazywany raz, przy jego utworzeniu lub wymianie. Urządzenie jest online, jeśli zgłosiło się w ciągu ostatnich 2 minut.
col-kind = Rodzaj
col-last-seen = Ostatnio widziane
col-printer = Drukarka
col-actions = Działania
new-device = Nowe urządzenie
add-device = Dodaj urządzenie
adding-device = Dodawanie urządzenia
label-device-name-of = Nazwa urządzenia { $name }
online = online
offline = offline
no-report = brak zgłoszenia
new-token = Nowy token
new-token-for = Nowy token dla { $name }
confirm-rotate = Wymienić token urządzenia { $name }? Urządzenie przestanie działać, dopóki nie dostanie nowego.
token-for = Token dla { $name } ({ $kind })
token-copy = – skopiuj go teraz; nie zostanie pokazany ponownie:

## Reports

show-report = Pokaż raport
download-csv = Pobierz CSV
downloading-csv = Pobieranie CSV
loading-report = Wczytywanie raportu
loading-chart = Wczytywanie wykresu
arrivals-caption = Wydane bilety według godziny, czas placówki.
waits-caption = Średni czas oczekiwania i 90. percentyl według usługi; linia przerywana to standard obsługi.
arrivals-alt = Wydane bilety według godziny, od { $from } do { $to }
waits-alt = Średni czas oczekiwania i 90. percentyl według usługi na tle standardu, od { $from } do { $to }
per-service = Według usługi
per-desk = Według stanowiska
per-clerk = Według urzędnika
kpi-tickets = Bilety
kpi-served = Obsłużeni
kpi-no-shows = Nieobecni
kpi-avg-wait = Śr. oczekiwanie
kpi-p90-wait = Oczekiwanie 90%
kpi-avg-service = Śr. obsługa
kpi-p90-service = Obsługa 90%
kpi-within-standard = W standardzie
kpi-out-of-turn = Poza kolejnością
kpi-p90 = 90%: { $value }
nothing-in-period = Brak danych w tym okresie.
service-with-standard = { $service } (standard { $standard })
feedback-title = Opinie odwiedzających
feedback-hint = Oceny od 1 do 5 wystawione na stronie biletu lub na tablecie przy wyjściu, według usługi, stanowiska i urzędnika (tego, który wezwał odwiedzającego).
oot-title = Wezwania poza kolejnością
oot-hint = Każde wezwanie z pominięciem kolejki, z powodem podanym przez urzędnika.
calls-count = { $count ->
    [one] { $count } wezwanie
    [few] { $count } wezwania
   *[many] { $count } wezwań
}
no-oot = Brak wezwań poza kolejnością w tym okresie.
col-ratings = Oceny
col-average = Średnia
col-rating = Ocena
col-comment = Komentarz
average-rating = Średnia ocena
no-ratings = Brak ocen w tym okresie.
comments-caption = Komentarze, od najnowszych
no-comments = Brak komentarzy w tym okresie.
by-service = Według usługi
by-desk = Według stanowiska
by-clerk = Według urzędnika
chart-arrivals-title = Wydane bilety według godziny, od { $from } do { $to } ({ $timezone })
chart-tickets-issued = Wydane bilety
chart-unit-tickets = bilety
chart-waits-title = Czas oczekiwania według usługi, od { $from } do { $to }
chart-average-wait = Średnie oczekiwanie
chart-p90-wait = 90. percentyl
chart-unit-min = min
chart-standard = Standard

## Staffing

staffing-title = Zalecana obsada
staffing-hint = Według godziny i usługi: liczba stanowisk potrzebna, by { $share }% odwiedzających wezwać w standardzie obsługi, prognozowana z tego samego dnia tygodnia z ostatnich 8 tygodni, obok godzin pracy otwartych stanowisk. Gdy usługi dzielą stanowiska, suma jest dolnym oszacowaniem.
loading-staffing = Wczytywanie zaleceń obsady
staffing-chart-caption = Potrzebne stanowiska i godziny pracy otwartych stanowisk według godziny, wszystkie usługi razem, czas placówki.
staffing-chart-alt = Potrzebne i otwarte stanowiska według godziny, { $day }
staffing-chart-title = Potrzebne i otwarte stanowiska według godziny, { $day } ({ $timezone })
staffing-chart-needed = Potrzebne stanowiska
staffing-chart-open = Otwarte stanowiska
staffing-chart-unit = stanowiska
staffing-table-title = Według godziny i usługi
staffing-caption = Potrzebne i otwarte stanowiska według godziny i usługi, { $day } ({ $timezone })
col-hour = Godzina
col-needed = Potrzeba
col-open = Otwarte
too-few = za mało
history-days = { $count ->
    [one] Prognoza z { $count } dnia z odwiedzającymi w ten dzień tygodnia.
   *[other] Prognoza z { $count } dni z odwiedzającymi w ten dzień tygodnia.
}
no-history = Brak prognozy: w ostatnich 8 tygodniach nie było odwiedzających w ten dzień tygodnia.
future-day = Dzień w przyszłości: żadne stanowisko nie jest jeszcze otwarte.
short-hours = { $count ->
    [one] W { $count } komórce otwartych stanowisk było mniej niż potrzeba.
   *[other] W { $count } komórkach otwartych stanowisk było mniej niż potrzeba.
}
no-short-hours = W każdej godzinie otwartych stanowisk było dość.

## Staffing: what if

what-if-title = Co jeśli…
what-if-hint = Sprawdź zmianę planu na resztę dzisiejszego dnia: stanowisko, które się otwiera, albo takie, które robi przerwę. Reszta dnia jest symulowana dwa razy: według obecnego planu (otwarte stanowiska pracują do końca dnia, pozostałe są zamknięte) i ze zmianami. Godziny według czasu placówki. Nic w placówce się nie zmienia.
loading-what-if = Wczytywanie stanowisk i usług
what-if-change-n = Zmiana { $n }
what-if-choose-desk = Wybierz stanowisko
what-if-desk-option = { $desk } ({ $status })
what-if-action = Działanie
what-if-opens = otwiera się
what-if-break = robi przerwę
what-if-from-hint = (puste: teraz)
what-if-to-hint = (puste: koniec dnia)
what-if-services = Tylko te usługi
what-if-services-hint = (nic nie zaznaczono: własny przydział stanowiska)
what-if-add = Dodaj zmianę
what-if-remove = Usuń
what-if-remove-n = Usuń zmianę { $n }
what-if-removed = Usunięto zmianę { $n }.
what-if-simulate = Symuluj
what-if-simulating = Symulacja zmian
what-if-summary = Ze zmianami: { $share } odwiedzających wezwanych w standardzie (teraz { $share_now }), najdłuższe oczekiwanie { $longest } (teraz { $longest_now }).
what-if-summary-not-called = Średnio niewezwanych do końca dnia: { $visitors } (teraz { $now }).
what-if-no-visitors = Na resztę dnia nie przewiduje się odwiedzających: zmiany niczego nie zmieniają.
what-if-none = brak odwiedzających
what-if-minutes = { $min } min
what-if-period = Symulacja od { $from } do { $until } ({ $timezone }), średnia z { $runs } symulowanych dni.
what-if-history = { $count ->
    [one] Prognoza przybyć z { $count } dnia z odwiedzającymi w ten dzień tygodnia.
   *[other] Prognoza przybyć z { $count } dni z odwiedzającymi w ten dzień tygodnia.
}
what-if-no-history = Brak prognozy: symulowani są tylko odwiedzający, którzy czekają teraz.
what-if-caption = Reszta dnia { $day }, teraz i ze zmianami
what-if-visitors = Odwiedzający
what-if-within = W standardzie
what-if-longest = Najdłuższe oczekiwanie
what-if-not-called = Niewezwani dziś
what-if-now = Teraz
what-if-with-changes = Ze zmianami
what-if-standard = (standard { $standard })
what-if-all-services = Wszystkie usługi

## Appointments

appt-day-title = Wizyty danego dnia
appt-book-before = Odwiedzający rezerwują na
appt-book-link = stronie rezerwacji
appt-book-after = .
col-contact = Kontakt
appt-empty = Brak wizyt tego dnia.
appt-booked = zarezerwowana
appt-cancelled = odwołana
appt-checked_in = zgłoszona
appt-missed = nieodbyta
loading-appointments = Wczytywanie wizyt
opening-hours = Godziny otwarcia
hours-hint-before = Terminy są oferowane w tych godzinach, w strefie czasowej placówki. Kilka przedziałów jednego dnia oddziel przecinkami, np.
hours-hint-after = ; zostaw dzień pusty, gdy placówka jest zamknięta.
day-mon = Poniedziałek
day-tue = Wtorek
day-wed = Środa
day-thu = Czwartek
day-fri = Piątek
day-sat = Sobota
day-sun = Niedziela
placeholder-closed = zamknięte
closed-dates = Dni zamknięcia (RRRR-MM-DD, oddzielone przecinkami)
grace = Tolerancja spóźnienia, minuty
later-than-that = Po tym czasie
late-walk-in = zwykły bilet (bez rezerwacji)
late-refuse = bez biletu: odmowa zgłoszenia
save-hours = Zapisz godziny otwarcia
saving-hours = Zapisywanie godzin otwarcia
hours-saved = Godziny otwarcia zapisane.
bookable-services = Usługi do rezerwacji
bookable-hint = Każdy termin oferuje stanowiska przydzielone do usługi, pomniejszone o udział zachowany dla osób bez rezerwacji (w dół). Pusta długość terminu oznacza przewidywany czas obsługi zaokrąglony w górę do 5 minut.
col-bookable = Rezerwacja
col-slot-length = Długość terminu, min
col-walk-in-share = Udział bez rezerwacji, %
label-bookable = { $code } do rezerwacji
label-slot-length = { $code }: długość terminu w minutach
label-walk-in-share = { $code }: udział bez rezerwacji w procentach
loading-services = Wczytywanie usług
appt-settings-saved = { $code }: ustawienia wizyt zapisane.

# Office texts per language (categories, desk names, the kiosk message).
label-category-names-of = Kategoria w językach dla { $code }
label-desk-names-of = Nazwa { $name } w językach, dla interesantów
kiosk-messages = Komunikat kiosku w językach
kiosk-messages-hint = (język=komunikat; …)
