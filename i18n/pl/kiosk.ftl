# Kiosk touch page, Polish. Polish has four plural forms (CLDR: one, few,
# many, other); fluent-bundle picks them from $ahead and $wait_min.

language-name = Polski
welcome = Witamy
start-prompt = Dotknij swojego języka, aby pobrać numerek
choose-category = W jakiej sprawie przychodzisz?
choose-service = Wybierz usługę
back = Wstecz
start-over = Od początku
priority-title = Czy potrzebujesz obsługi w pierwszej kolejności?
priority-text = Pierwszeństwo przysługuje osobom z niepełnosprawnością, osobom starszym i kobietom w ciąży.
priority-no = Nie, zwykły numerek
priority-yes = Tak, potrzebuję pierwszeństwa
issuing = Pobieranie numerka…
retrying = Problem z połączeniem. Próbujemy ponownie…
error-title = Przepraszamy, nie wydano numerka
error-network = Kiosk nie może połączyć się z serwerem. Spróbuj ponownie lub poproś o pomoc pracownika.
try-again = Spróbuj ponownie
no-services = Obecnie żadne usługi nie są dostępne. Poproś o pomoc pracownika.
your-number = Twój numer
priority-mark = Pierwszeństwo
ahead = { $ahead ->
    [0] Nikt nie czeka przed Tobą
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
take-ticket = Odbierz wydrukowany numerek.
scan = Zeskanuj, aby śledzić swoje miejsce w kolejce na telefonie
done = Gotowe
not-set-up-title = Ten kiosk nie jest jeszcze skonfigurowany
not-set-up-text = Otwórz tę stronę z tokenem kiosku: /kiosk/#token=…
appointment-button = Mam umówioną wizytę
appointment-title = Zgłoś przybycie na umówioną wizytę
appointment-prompt = Wpisz kod z potwierdzenia rezerwacji albo zeskanuj jego kod QR.
check-in = Zgłoś przybycie
checking-in = Trwa zgłaszanie…
check-in-error = Niestety nie udało się zgłosić przybycia
appointment-mark = Wizyta umówiona
appointment-late = Spóźnienie: zostaniesz obsłużony jak osoba bez rezerwacji.
error-refused = Kiosk nie mógł tego wykonać. Poproś o pomoc pracownika.
error-service-unavailable = Ta usługa jest teraz niedostępna. Wybierz inną albo poproś o pomoc pracownika.
error-appointment-not-found = Nie znaleziono wizyty z tym kodem. Sprawdź kod albo poproś o pomoc pracownika.
out-of-order-title = Kiosk jest nieczynny
out-of-order-text = Poproś pracownika o numerek. Kiosk wznowi działanie samoczynnie.
language = Język
code-keys = Klawisze kodu
delete-key = Usuń
a11y-button = Dostępność
a11y-speech = Czytaj na głos
a11y-contrast = Wysoki kontrast
a11y-large = Duży tekst
a11y-low = Niski zasięg
