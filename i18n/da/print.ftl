# Tekster på billetten (dansk). Parametre: $count, $minutes.
ticket = Dit nummer
people-ahead = { $count ->
    [0] Ingen foran dig
    [one] 1 person foran dig
   *[other] { $count } personer foran dig
}
estimated-wait = Forventet ventetid: { $minutes ->
    [0] under 1 min
   *[other] { $minutes } min
}
issued = Udstedt
