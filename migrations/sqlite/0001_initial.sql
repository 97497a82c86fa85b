-- Waitwell schema, SQLite flavour. migrations/postgres/0001_initial.sql is its
-- twin: same tables, columns and indexes; only the column types differ.
--
-- Design decisions that hold for both backends:
-- * Times are integers: milliseconds since the Unix epoch, UTC. Business days
--   are 'YYYY-MM-DD' text computed in the branch's timezone by the server.
-- * Nothing is deleted. Tickets, users, services, desks and devices are
--   deactivated or reach a final status; the event log only grows.
-- * Every change of state appends a row to `events` in the same transaction.
--   `branches.event_seq` / `event_hash` hold the head of the branch's hash
--   chain; updating that row first in every write transaction is also what
--   serialises writers of one branch on PostgreSQL.

create table branches (
    id integer primary key,
    name text not null,
    timezone text not null,
    rollover text not null default '00:00',
    -- JSON array of language tags offered, first is the default.
    languages text not null default '["en"]',
    kiosk_message text not null default '',
    priority_credit_s integer not null default 600,
    appointment_credit_s integer not null default 900,
    weight_step_s integer not null default 300,
    priority_interleave integer not null default 0,
    active boolean not null default true,
    event_seq integer not null default 0,
    event_hash text not null default '',
    created_at integer not null
);

create table services (
    id integer primary key,
    branch_id integer not null references branches (id),
    code text not null,
    name text not null,
    -- JSON object: language tag -> display name.
    names text not null default '{}',
    category text not null default '',
    standard_wait_s integer not null default 900,
    expected_service_s integer not null default 300,
    priority_allowed boolean not null default true,
    active boolean not null default true,
    -- Waiting tickets, kept in step with every status change (tickets.rs)
    -- so that queue summaries cost one row read, however long the queue.
    waiting integer not null default 0,
    created_at integer not null,
    unique (branch_id, code)
);

create table desks (
    id integer primary key,
    branch_id integer not null references branches (id),
    name text not null,
    -- closed | open | paused
    status text not null default 'closed',
    pause_reason text,
    -- Interleave state of the next-ticket policy (see waitwell-queue).
    calls_since_priority integer not null default 0,
    current_ticket_id integer,
    -- The clerk working at the desk while it is open or paused.
    user_id integer,
    active boolean not null default true,
    created_at integer not null,
    unique (branch_id, name)
);

-- The desk allocation managers tune: which services a desk serves, by weight.
create table desk_services (
    desk_id integer not null references desks (id),
    service_id integer not null references services (id),
    weight integer not null,
    primary key (desk_id, service_id)
);

create table users (
    id integer primary key,
    -- null for admins, who act on every branch.
    branch_id integer references branches (id),
    username text not null unique,
    password_hash text not null,
    -- admin | manager | clerk
    role text not null,
    active boolean not null default true,
    created_at integer not null
);

-- Bearer sessions. Only the SHA-256 of a token is stored.
create table sessions (
    token_hash text primary key,
    user_id integer not null references users (id),
    created_at integer not null,
    expires_at integer not null,
    revoked_at integer
);

create table devices (
    id integer primary key,
    branch_id integer not null references branches (id),
    -- kiosk | display
    kind text not null,
    name text not null,
    token_hash text not null unique,
    -- JSON object of per-device settings (display filters, layout).
    config text not null default '{}',
    active boolean not null default true,
    last_seen_at integer,
    created_at integer not null
);

-- Ticket numbering: one row per branch, service and business day.
create table ticket_counters (
    branch_id integer not null,
    service_id integer not null,
    business_day text not null,
    last_seq integer not null,
    primary key (branch_id, service_id, business_day)
);

create table tickets (
    id integer primary key,
    branch_id integer not null references branches (id),
    service_id integer not null references services (id),
    business_day text not null,
    -- Counter value; null for a ticket created by a transfer, which keeps
    -- the number printed on the visitor's paper.
    seq integer,
    number text not null,
    -- normal | priority | appointment
    priority text not null,
    language text,
    status text not null,
    -- First issue time; kept across transfers so a transferred visitor does
    -- not go to the back of the next queue.
    issued_at integer not null,
    -- When the ticket entered this service's queue.
    queued_at integer not null,
    called_at integer,
    started_at integer,
    finished_at integer,
    desk_id integer references desks (id),
    called_by integer references users (id),
    call_count integer not null default 0,
    out_of_turn_reason text,
    outcome text,
    transferred_from integer references tickets (id),
    idempotency_key text,
    -- Unguessable id for the visitor's public ticket page.
    public_token text not null unique,
    issued_by_device integer references devices (id),
    updated_at integer not null
);
create unique index tickets_number_unique on tickets (branch_id, service_id, business_day, seq);
create unique index tickets_idempotency on tickets (branch_id, idempotency_key);
-- The next-ticket policy reads only the oldest waiting ticket of each
-- service and priority class: one index seek each, however long the queue.
create index tickets_waiting on tickets (branch_id, status, service_id, priority, queued_at, id);
create index tickets_finished on tickets (service_id, status, finished_at);
create index tickets_day on tickets (branch_id, business_day);

create table events (
    branch_id integer not null references branches (id),
    seq integer not null,
    type text not null,
    ticket_id integer,
    desk_id integer,
    -- JSON document of what changed.
    payload text not null,
    -- 'user:ID', 'device:ID' or 'system'
    actor text not null,
    at integer not null,
    prev_hash text not null,
    -- hex SHA-256 over prev_hash and the canonical fields (server/src/events.rs).
    hash text not null,
    primary key (branch_id, seq)
);
