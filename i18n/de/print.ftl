# Beschriftungen auf dem Ticket (Deutsch). Parameter: $count, $minutes.
ticket = Ihre Nummer
people-ahead = { $count ->
    [0] Niemand vor Ihnen
    [one] 1 Person vor Ihnen
   *[other] { $count } Personen vor Ihnen
}
estimated-wait = Voraussichtliche Wartezeit: { $minutes ->
    [0] unter 1 Min.
   *[other] { $minutes } Min.
}
issued = Ausgegeben
