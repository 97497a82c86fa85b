# Etykiety drukowane na bilecie (polski). Parametry: $count, $minutes.
ticket = Twój numer
people-ahead = { $count ->
    [0] Nikt nie czeka przed Tobą
    [one] Przed Tobą czeka 1 osoba
    [few] Przed Tobą czekają { $count } osoby
   *[other] Przed Tobą czeka { $count } osób
}
estimated-wait = Przewidywany czas oczekiwania: { $minutes ->
    [0] poniżej 1 min
   *[other] { $minutes } min
}
issued = Wydano
