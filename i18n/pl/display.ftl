# Waiting-room display (web/display/), Polish. Variables in braces are
# filled in by the page: $n, $h, $m minutes and hours, $number and $desk
# of a call (announced aloud).

now_calling = Teraz wzywamy
called_again = Ponowne wezwanie
no_calls = Prosimy czekać na swój numer
previous_calls = Poprzednie wezwania
service = Sprawa
waiting = Oczekuje
estimated_wait = Szacowany czas
minutes = { $n } min
hours_minutes = { $h } godz. { $m } min
minutes_range = { $low }–{ $high } min
under_minute = < 1 min
no_desk_open = Brak otwartego stanowiska
reconnecting = Ponowne łączenie…
setup_title = Ten ekran nie jest jeszcze skonfigurowany
setup_text = Otwórz tę stronę z tokenem wyświetlacza: /display/#token=…
token_rejected = Token wyświetlacza nie został przyjęty. Poproś kierownika o nowy link.
announce = Numer { $number }, stanowisko { $desk }
announce_named = Numer { $number }, { $desk }
