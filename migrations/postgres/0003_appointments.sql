-- Appointments: visitors book a slot of a service ahead of time and check in
-- at the kiosk, which turns the booking into a ticket of priority
-- 'appointment'. migrations/sqlite/0003_appointments.sql is the twin.
--
-- Design decisions:
-- * Opening hours are a JSON weekly schedule in the branch's timezone
--   ({"mon": [["08:00", "16:00"]], ...}) plus a JSON array of closed dates.
--   Slots are computed from them and never stored: changing the hours
--   changes the offer at once, and bookings already made stay as they are.
-- * A slot's capacity is computed when it is offered and again, under the
--   branch lock, when it is booked: the active desks allocated to the
--   service, less the share kept for walk-ins (server/src/appointments.rs).
-- * contact_phone / contact_email are personal data. They live only in
--   these nullable columns (a retention job may clear them) and never in
--   events.

alter table branches add column opening_hours text not null default '{}';
alter table branches add column closed_dates text not null default '[]';
-- How long after the slot start a visitor still checks in with appointment
-- priority.
alter table branches add column appointment_grace_s bigint not null default 600;
-- What happens after the grace period: walk_in (a normal ticket) | refuse.
alter table branches add column appointment_late_policy text not null default 'walk_in';

alter table services add column appointments_enabled boolean not null default false;
-- Null: the expected service duration rounded up to 5 minutes.
alter table services add column slot_length_s bigint;
-- Percent of the desk capacity kept for walk-ins, 0 to 100.
alter table services add column walk_in_share bigint not null default 50;

create table appointments (
    id bigint generated always as identity primary key,
    branch_id bigint not null references branches (id),
    service_id bigint not null references services (id),
    -- Business day of the slot in the branch's calendar; check-in is only
    -- possible on that day.
    business_day text not null,
    slot_start bigint not null,
    slot_end bigint not null,
    -- What the visitor types or scans at the kiosk: 8 characters from an
    -- alphabet without look-alikes. Also the credential to cancel.
    code text not null unique,
    -- booked | cancelled | checked_in
    status text not null,
    language text,
    contact_phone text,
    contact_email text,
    -- The ticket issued at check-in.
    ticket_id bigint references tickets (id),
    booked_at bigint not null,
    cancelled_at bigint,
    checked_in_at bigint,
    updated_at bigint not null
);
create index appointments_slot on appointments (service_id, slot_start, status);
create index appointments_day on appointments (branch_id, business_day, slot_start);
