# The manager console (web/manager/), English. Variables in braces are
# filled in by the page; a message that selects on $count gets its plural
# form chosen by the page (web/common/i18n.js). Every language has the same
# message ids. The chart-* and staffing-chart-* texts are drawn by the
# server into the SVG charts.

language-name = English
language = Language
app-sub = Manager console
skip = Skip to the console
title-sign-in = Sign in – Manager console – Waitwell
title-tab = { $tab } – Manager console – Waitwell
branch = Branch
sign-out = Sign out
who = { $user } ({ $role })
conn-live = Live
conn-connecting = Connecting…
conn-offline = Offline – retrying
sign-in = Sign in
sign-in-hint = For managers and admins.
user-name = User name
password = Password
session-ended = Your session has ended. Please sign in again.
wrong-password = Wrong user name or password.
cannot-sign-in = Cannot sign in: { $message }
not-allowed = Not allowed: { $message }
cannot-reach = Cannot reach the server: { $message }
not-a-manager = { $user } is a { $role }: the manager console is for managers and admins.
no-branch = There is no branch yet. Create one with POST /api/v1/branches.
role-clerk = clerk
role-manager = manager
role-admin = admin
sections = Sections
tab-monitor = Monitor
tab-allocation = Allocation
tab-config = Configuration
tab-reports = Reports
tab-staffing = Staffing
tab-appointments = Appointments

## Shared words

save = Save
save-named = Save { $name }
saving-named = Saving { $name }
saved-named = { $name } saved.
show = Show
day = Day
from = From
to = To
name = Name
since = since { $time }
unknown = unknown
hide = Hide
the-desk = the desk
ago-never = never
ago-now = just now
ago-min = { $count } min ago
ago-h = { $count } h ago
ago-d = { $count ->
    [one] { $count } day ago
   *[other] { $count } days ago
}
col-service = Service
col-desk = Desk
col-clerk = Clerk
col-status = Status
col-time = Time
col-ticket = Ticket
col-code = Code
col-name = Name
col-active = Active
col-reason = Reason
desk-open = open
desk-paused = paused
desk-closed = closed
kind-kiosk = kiosk
kind-display = display
printer-ok = ok
printer-paper_out = out of paper
printer-paper_low = paper low
printer-cover_open = cover open
printer-offline = not reachable
printer-error = error

## Monitor

queues = Queues
col-waiting = Waiting
col-longest-wait = Longest wait
col-standard = Standard
col-est-wait = Predicted wait
wait-range = { $low }–{ $high } min
no-open-desk = No open desk
col-open-desks = Open desks
desks = Desks
col-current-ticket = Current ticket
col-for = For
alerts = Alerts
latest-calls = Latest calls
waiting-count = { $count ->
    [one] { $count } waiting
   *[other] { $count } waiting
}
desks-open-of = { $open } of { $count } open
flag-over = over
no-clerk = no clerk
desk-free = free
badge-serving = serving
badge-called = called
user-id = user #{ $id }
desk-id = desk { $id }
recall = (recall)
no-calls = No calls yet today.
all-clear = All clear.
alert-breach = { $service }: { $number } has waited { $waited }, over the { $standard } standard.
alert-no-desk = { $count ->
    [one] { $service }: { $count } waiting and no open desk serves it.
   *[other] { $service }: { $count } waiting and no open desk serves it.
}
alert-printer = Printer of { $device }: { $status }, since { $since }.
alert-printer-detail = Printer of { $device }: { $status } ({ $detail }), since { $since }.
alert-display = Display { $device } is offline: last seen { $seen }.

## Allocation

allocation-title = Which desk serves which service
save-all = Save all
allocation-hint = Weight 1–10: how strongly a desk prefers a service (each step above 1 counts as { $step } min of extra waiting). Leave a cell empty if the desk does not serve the service. A change applies from the desk's next call and is recorded in the event log.
weight-label = Weight of { $service } at { $desk }
weight-invalid = { $field } must be a whole number from 1 to 10, or empty.
not-saved = Not saved
loading-allocation = Loading the allocation
allocation-saved = { $desk } now serves { $services }; from its next call.
allocation-saved-nothing = { $desk } now serves nothing; from its next call.
nothing-to-save = Nothing to save.
saved-desks = { $count ->
    [one] Saved { $count } desk; changes apply from each desk's next call.
   *[other] Saved { $count } desks; changes apply from each desk's next call.
}

## Configuration

loading-config = Loading the configuration
timezone-iana = Timezone (IANA)
day-ends-at = Day ends at
languages = Languages
languages-hint = (comma-separated, first is default)
kiosk-message = Kiosk message
priority-credit = Priority credit (min)
appointment-credit = Appointment credit (min)
weight-step = Weight step (min)
priority-interleave = Priority interleave
priority-interleave-hint = (1 priority in N calls; 0 = no limit)
save-branch = Save branch
saving-branch = Saving the branch
branch-saved = Branch saved.
services = Services
col-names = Names per language
col-names-hint = (lang=name; …)
col-category = Category
col-standard-min = Standard (min)
col-expected-min = Expected (min)
col-priority = Priority
col-remote = Remote
col-remote-day = Remote/day
col-walk-in = Walk-in %
new-service = New service
add-service = Add service
adding-service = Adding the service
service-added = Service { $code } added. Give it a desk in Allocation.
service-saved = Service { $code } saved.
names-of = Names of { $code }
not-lang-name = "{ $part }" is not lang=name
label-name-of = Name of { $name }
label-names-of = Names per language of { $code }
label-category-of = Category of { $code }
label-standard-of = Service standard of { $code }, minutes
label-expected-of = Expected duration of { $code }, minutes
label-priority-of = Priority allowed for { $code }
label-active = { $name } active
label-remote-of = Remote tickets for { $code }
label-remote-cap-of = Remote tickets per day for { $code }
label-walk-in-of = Share kept for walk-ins for { $code }, percent
placeholder-none = none
new-desk = New desk
add-desk = Add desk
adding-desk = Adding the desk
desk-added = { $name } added. Choose its services in Allocation.
users-title = Users and roles
col-role = Role
col-new-password = New password
new-user = New user
sign-in-name = Sign-in name
first-password = First password
add-user = Add user
adding-user = Adding the user
user-added = { $user } added as { $role }.
user-you = { $user } (you)
label-role-of = Role of { $user }
label-password-of = New password for { $user }
placeholder-unchanged = unchanged
nothing-changed = Nothing changed for { $user }.
devices = Devices
devices-hint = A device's token is shown once, when it is created or replaced. A device counts as online when it reported within the last 2 minutes.
col-kind = Kind
col-last-seen = Last seen
col-printer = Printer
col-actions = Actions
new-device = New device
add-device = Add device
adding-device = Adding the device
label-device-name-of = Name of device { $name }
online = online
offline = offline
no-report = no report
new-token = New token
new-token-for = New token for { $name }
confirm-rotate = Replace the token of { $name }? The device stops working until it gets the new one.
token-for = Token for { $name } ({ $kind })
token-copy = – copy it now; it is not shown again:

## Reports

show-report = Show report
download-csv = Download CSV
downloading-csv = Downloading the CSV
loading-report = Loading the report
loading-chart = Loading a chart
arrivals-caption = Tickets issued per hour of day, branch time.
waits-caption = Average and 90th-percentile wait per service; the dashed line is the service standard.
arrivals-alt = Tickets issued per hour of day, { $from } to { $to }
waits-alt = Average and 90th-percentile wait per service against the standard, { $from } to { $to }
per-service = Per service
per-desk = Per desk
per-clerk = Per clerk
kpi-tickets = Tickets
kpi-served = Served
kpi-no-shows = No-shows
kpi-avg-wait = Avg. wait
kpi-p90-wait = 90% wait
kpi-avg-service = Avg. service
kpi-p90-service = 90% service
kpi-within-standard = Within standard
kpi-out-of-turn = Out of turn
kpi-p90 = 90%: { $value }
nothing-in-period = Nothing in this period.
service-with-standard = { $service } (standard { $standard })
feedback-title = Visitor feedback
feedback-hint = Ratings from 1 to 5 given on the ticket page or at the exit tablet, by service, desk and clerk (the clerk who called the visitor).
oot-title = Calls out of turn
oot-hint = Every call that skipped the queue order, with the reason the clerk gave.
calls-count = { $count ->
    [one] { $count } call
   *[other] { $count } calls
}
no-oot = No calls out of turn in this period.
col-ratings = Ratings
col-average = Average
col-rating = Rating
col-comment = Comment
average-rating = Average rating
no-ratings = No ratings in this period.
comments-caption = Comments, newest first
no-comments = No comments in this period.
by-service = By service
by-desk = By desk
by-clerk = By clerk
chart-arrivals-title = Tickets issued by hour, { $from } to { $to } ({ $timezone })
chart-tickets-issued = Tickets issued
chart-unit-tickets = tickets
chart-waits-title = Waits per service, { $from } to { $to }
chart-average-wait = Average wait
chart-p90-wait = 90th percentile
chart-unit-min = min
chart-standard = Standard

## Staffing

staffing-title = Staffing advice
staffing-hint = Per hour and service: the desks needed to call { $share }% of visitors within the service standard, forecast from the same weekday of the last 8 weeks, next to the desk-hours that were open. Where services share desks, the sum is a lower bound.
loading-staffing = Loading the staffing advice
staffing-chart-caption = Desks needed and desk-hours open per hour of day, all services together, branch time.
staffing-chart-alt = Desks needed and desks open per hour, { $day }
staffing-chart-title = Desks needed and open by hour, { $day } ({ $timezone })
staffing-chart-needed = Desks needed
staffing-chart-open = Desks open
staffing-chart-unit = desks
staffing-table-title = By hour and service
staffing-caption = Desks needed and open per hour and service, { $day } ({ $timezone })
col-hour = Hour
col-needed = Needed
col-open = Open
too-few = too few
history-days = { $count ->
    [one] Forecast from { $count } day with visitors on this weekday.
   *[other] Forecast from { $count } days with visitors on this weekday.
}
no-history = No forecast yet: no visitors on this weekday in the last 8 weeks.
future-day = A future day: no desks open yet.
short-hours = { $count ->
    [one] In { $count } cell fewer desks were open than needed.
   *[other] In { $count } cells fewer desks were open than needed.
}
no-short-hours = Enough desks were open in every hour.

## Staffing: what if

what-if-title = What if…
what-if-hint = Try a change to the rest of today's plan: a desk that opens, or one that takes a break. The rest of the day is simulated twice: as planned now (open desks stay open until the day ends, the others stay shut) and with the changes. Times are the branch's. Nothing in the office is changed.
loading-what-if = Loading the desks and services
what-if-change-n = Change { $n }
what-if-choose-desk = Choose a desk
what-if-desk-option = { $desk } ({ $status })
what-if-action = Action
what-if-opens = opens
what-if-break = takes a break
what-if-from-hint = (empty: now)
what-if-to-hint = (empty: end of day)
what-if-services = Only for these services
what-if-services-hint = (none ticked: the desk's own allocation)
what-if-add = Add a change
what-if-remove = Remove
what-if-remove-n = Remove change { $n }
what-if-removed = Change { $n } removed.
what-if-simulate = Simulate
what-if-simulating = Simulating the changes
what-if-summary = With these changes: { $share } of visitors called within the standard (now { $share_now }), longest wait { $longest } (now { $longest_now }).
what-if-summary-not-called = Visitors not called by the end of the day: { $visitors } (now { $now }).
what-if-no-visitors = No visitors are expected for the rest of today: the changes make no difference.
what-if-none = no visitors
what-if-minutes = { $min } min
what-if-period = Simulated from { $from } to { $until } ({ $timezone }), the average of { $runs } simulated days.
what-if-history = { $count ->
    [one] Arrivals forecast from { $count } day with visitors on this weekday.
   *[other] Arrivals forecast from { $count } days with visitors on this weekday.
}
what-if-no-history = No forecast yet: only the visitors waiting now are simulated.
what-if-caption = The rest of { $day }, now and with the changes
what-if-visitors = Visitors
what-if-within = Within standard
what-if-longest = Longest wait
what-if-not-called = Not called today
what-if-now = Now
what-if-with-changes = With changes
what-if-standard = (standard { $standard })
what-if-all-services = All services

## Appointments

appt-day-title = Appointments of the day
appt-book-before = Visitors book at
appt-book-link = the booking page
appt-book-after = .
col-contact = Contact
appt-empty = No appointments on this day.
appt-booked = booked
appt-cancelled = cancelled
appt-checked_in = checked in
appt-missed = missed
loading-appointments = Loading appointments
opening-hours = Opening hours
hours-hint-before = Slots are offered within these hours, in the branch's timezone. Several intervals a day are separated by commas, e.g.
hours-hint-after = ; leave a day empty when closed.
day-mon = Monday
day-tue = Tuesday
day-wed = Wednesday
day-thu = Thursday
day-fri = Friday
day-sat = Saturday
day-sun = Sunday
placeholder-closed = closed
closed-dates = Closed dates (YYYY-MM-DD, separated by commas)
grace = Grace period for late visitors, minutes
later-than-that = Later than that
late-walk-in = a regular ticket (walk-in)
late-refuse = no ticket: refuse the check-in
save-hours = Save opening hours
saving-hours = Saving opening hours
hours-saved = Opening hours saved.
bookable-services = Bookable services
bookable-hint = Each slot offers the desks allocated to the service, less the share kept for walk-ins (rounded down). An empty slot length means the expected service time rounded up to 5 minutes.
col-bookable = Bookable
col-slot-length = Slot length, min
col-walk-in-share = Walk-in share, %
label-bookable = { $code } bookable
label-slot-length = { $code } slot length in minutes
label-walk-in-share = { $code } walk-in share in percent
loading-services = Loading services
appt-settings-saved = { $code }: appointment settings saved.

# Office texts per language (categories, desk names, the kiosk message).
label-category-names-of = Category per language of { $code }
label-desk-names-of = Name of { $name } per language, for visitors
kiosk-messages = Kiosk message per language
kiosk-messages-hint = (lang=message; …)
