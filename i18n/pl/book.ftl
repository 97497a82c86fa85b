# The public booking page (web/book/), Polish.

language-name = Polski
language = Język
page-title = Umów wizytę
loading = Ładowanie…
booking-title = Umów wizytę
service = Sprawa
no-services = W tym urzędzie nie można umawiać wizyt.
day = Dzień
find = Pokaż wolne terminy
times-title = Wolne terminy
no-slots = Brak wolnych terminów tego dnia. Wybierz inny dzień.
fully-booked = { $time }, brak miejsc
your-booking = Twoja rezerwacja
contact-hint = Dane kontaktowe są opcjonalne; urząd użyje ich tylko wtedy, gdy będzie musiał zmienić termin wizyty.
phone = Telefon (opcjonalnie)
email = E-mail (opcjonalnie)
book = Zarezerwuj ten termin
confirmation-title = Twoja wizyta
date = Data
time = Godzina
code = Kod potwierdzenia
ticket = Numerek
kiosk-hint = W urzędzie dotknij w kiosku „Mam umówioną wizytę” i wpisz ten kod albo przyłóż ten kod QR do czytnika.
qr-alt = Kod QR tej rezerwacji
page-link = Link do tej rezerwacji
cancel = Odwołaj wizytę
cancel-confirm = Odwołać tę wizytę?
status-booked = Zarezerwowana
status-cancelled = Odwołana
status-checked_in = Zgłoszono przybycie
status-missed = Nieodbyta (nikt się nie zgłosił)
no-branch = Otwórz tę stronę z linku do rezerwacji swojego urzędu (/book/?branch=…).
not-found = Taka rezerwacja lub urząd nie istnieje.
slot-taken = Ktoś właśnie zarezerwował ten termin. Wybierz inny.
failed = Rezerwacja się nie powiodła. Spróbuj ponownie.
offline = Brak połączenia. Spróbuj ponownie.
