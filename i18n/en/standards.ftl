# The public service-standard page (web/standards/), English. Variables
# other than the numbers are filled in by the page: $m (minutes, already
# with its unit), $days, $from, $to, $tz, $service, $day, $hour, $avg,
# $share.

language-name = English
language = Language
title = Service standards
org-title = Our offices
org-lead = Choose an office to see its service standards and how it kept to them.
no-offices = No office publishes its figures yet.
loading = Loading…
not-found = This office does not exist or publishes no figures.
offline = No connection. Please try again later.
intro = What we promise for each service, and how we kept to it over the last { $days } complete business days ({ $from } to { $to }).
now-heading = Waits now
now-waiting = waiting: { $n }
no-desk-open = no desk open at the moment
range = { $low }–{ $high } min
results-heading = Our standards and results
standard = Our standard
standard-value = called within { $m }
visitors = Visitors
within = Called within the standard
median = Median wait
p90 = 9 in 10 waited at most
rating = Average rating
rating-value = { $avg } of 5 ({ $n } ratings)
prediction = Predicted waits
prediction-value = off by { $m } on average; { $share } called within the predicted range
minutes = { $m } min
best-heading = Best time to come
best-hint = Median wait and number of visitors by the hour they took their ticket, in the office’s local time ({ $tz }). The shortest median wait is highlighted.
best-caption = { $service }: median wait and visitors by weekday and hour
best-summary = Shortest median wait: { $day } at { $hour } ({ $m }).
hour = Hour
cell-visitors = { $n } visitors
no-visitors = no visitors
suppressed-label = withheld: fewer than 5 visitors
suppressed-note = “–” means fewer than 5 visitors: figures over so few people are not published, so that no one’s visit can be picked out.
audit-heading = Latest signed audit checkpoint
audit-hint = The office’s log of events is hash-chained; this is its latest signed head, which anyone can check with the public key.
audit-seq = Sequence number
audit-day = Day
audit-hash = Chain hash
audit-signature = Signature
audit-key = Public key
data-heading = Open data
download-json = These figures as JSON
download-csv = These figures as CSV
all-offices = All offices
take-ticket = Take a ticket online
