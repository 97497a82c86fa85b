-- Remote tickets (a virtual queue), outgoing webhooks and the visitor's
-- contact details. SQLite flavour; migrations/postgres/0004_remote_webhooks.sql
-- is its twin (same tables, columns and indexes; only the types differ).
--
-- * Remote tickets are switched on per service. The daily cap and the share
--   kept for walk-ins are checked when a remote ticket is issued
--   (server/src/remote.rs), under the branch lock like every issue.
-- * A ticket's channel says where it was taken: 'kiosk' (the kiosk and
--   staff, as before this migration) or 'remote' (the office's public page).
-- * contact_phone / contact_email are personal data: they live only in these
--   columns, never in the event log, and the retention job
--   (server/src/retention.rs) clears them after the configured period.
-- * A webhook's cursor is the last event seq of its branch delivered with a
--   2xx answer; delivery resumes after it, so nothing is lost while the
--   receiver is down. The lease (owner, until) lets one server instance of
--   several deliver a webhook at a time.

alter table services add column remote_enabled boolean not null default false;
-- Remote tickets per business day; null for no cap.
alter table services add column remote_daily_cap integer;
-- Percent of the day's tickets kept for walk-ins (0 to 100).
alter table services add column remote_walk_in_share integer not null default 0;

alter table tickets add column channel text not null default 'kiosk';
alter table tickets add column contact_phone text;
alter table tickets add column contact_email text;
-- Remote tickets of a service and day, counted at each remote issue.
create index tickets_channel_day on tickets (service_id, business_day, channel);
-- The retention job finds tickets that still hold contact details.
create index tickets_contact on tickets (issued_at) where contact_phone is not null or contact_email is not null;

create table webhooks (
    id integer primary key,
    branch_id integer not null references branches (id),
    url text not null,
    -- HMAC-SHA256 key; shown once when the webhook is created.
    secret text not null,
    -- JSON array of event types ('ticket.called', or 'ticket.*'); empty for all.
    event_types text not null default '[]',
    active boolean not null default true,
    -- Last event seq of the branch delivered with a 2xx answer.
    cursor_seq integer not null,
    -- Consecutive failed attempts since the last success.
    failures integer not null default 0,
    last_error text,
    last_attempt_at integer,
    last_success_at integer,
    -- No attempt before this time (back-off after a failure).
    next_attempt_at integer not null default 0,
    -- The server instance delivering it, until lease_until.
    lease_owner text,
    lease_until integer not null default 0,
    created_at integer not null,
    updated_at integer not null
);
create index webhooks_branch on webhooks (branch_id);
