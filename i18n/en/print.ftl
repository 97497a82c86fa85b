# Labels printed on a ticket (English). Placeables: $count, $minutes.
ticket = Your ticket
people-ahead = { $count ->
    [0] No one ahead of you
    [one] 1 person ahead of you
   *[other] { $count } people ahead of you
}
estimated-wait = Estimated wait: { $minutes ->
    [0] under 1 min
   *[other] { $minutes } min
}
issued = Issued
