-- Predicted waits (queue/src/predict.rs) kept beside what then happened,
-- so the reports can show how far the promise made to each visitor held,
-- next to what the old formula (people ahead x average service time /
-- open desks) would have said for the same ticket.
--
-- One row per ticket issued at a kiosk or by staff. Tickets created by a
-- transfer have none: their visitor was promised a wait for another queue.
-- A separate table rather than columns of tickets: the hot ticket
-- statements stay as they are, and the reports read this table alone.
create table ticket_predictions (
    ticket_id bigint primary key references tickets (id),
    branch_id bigint not null references branches (id),
    service_id bigint not null references services (id),
    business_day text not null,
    issued_at bigint not null,
    -- The prediction made at issue, seconds from issue. All three null
    -- when no open desk served the service: no number was promised.
    issue_wait_s bigint,
    issue_low_s bigint,
    issue_high_s bigint,
    -- What the old formula said at issue, seconds.
    old_estimate_s bigint not null,
    -- The latest prediction while the ticket waited (refreshed every
    -- minute, seconds from latest_at); null as above.
    latest_at bigint not null,
    latest_wait_s bigint,
    latest_low_s bigint,
    latest_high_s bigint,
    -- Set at the ticket's first call: the real wait from issue, seconds.
    waited_s bigint
);
create index ticket_predictions_day on ticket_predictions (branch_id, business_day, service_id);
-- The refresh job finds the still-waiting ones.
create index ticket_predictions_open on ticket_predictions (branch_id, waited_s);
