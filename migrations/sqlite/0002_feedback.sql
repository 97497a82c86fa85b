-- The visitor's ticket page: postponing once, and feedback after the visit.
-- migrations/postgres/0002_feedback.sql is its twin; keep them in step.

-- How often the visitor moved their ticket back in the queue from the
-- ticket page; the server allows it once (server/src/public.rs).
alter table tickets add column postpone_count integer not null default 0;

-- One rating per finished ticket, from the ticket page or the exit tablet.
-- Service, desk and clerk are copied from the ticket when the rating is
-- given, so reports group by them without reading the ticket's history.
-- The comment is the visitor's own words and may name people: it lives
-- only here (never in the event log, which is immutable), so a retention
-- job can clear it.
create table feedback (
    id integer primary key,
    ticket_id integer not null unique references tickets (id),
    branch_id integer not null references branches (id),
    -- The ticket's business day, for reports over a period.
    business_day text not null,
    service_id integer not null references services (id),
    desk_id integer references desks (id),
    -- The clerk who called the ticket.
    user_id integer references users (id),
    rating integer not null check (rating between 1 and 5),
    comment text,
    -- ticket_page | exit_tablet
    source text not null,
    -- The exit tablet (a kiosk device) that took it, if any.
    device_id integer references devices (id),
    created_at integer not null
);
create index feedback_day on feedback (branch_id, business_day);
