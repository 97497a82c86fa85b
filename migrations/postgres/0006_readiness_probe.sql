-- One row that GET /readyz (health.rs) rewrites: a real write, so that
-- "ready" means the database accepts writes (not merely connections), and
-- a full disk or a read-only standby shows. Kept apart from every other
-- table so the probe never waits on a branch's lock.
create table readiness_probe (
    id integer primary key,
    at bigint not null
);
