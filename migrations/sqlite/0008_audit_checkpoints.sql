-- Signed checkpoints of the event chain (server/src/domain/audit.rs): once
-- a branch's business day is over, the key named by
-- WAITWELL_AUDIT_KEY_FILE signs the chain head that ended it. The key
-- never enters the database, so whoever can rewrite these rows still
-- cannot make a signature for a rewritten head.
--
-- One row per branch and business day. Several server instances may sign
-- the same day at once: the unique key and `on conflict do nothing` keep
-- the first, and ed25519 signatures are deterministic anyway.
create table audit_checkpoints (
    branch_id integer not null references branches (id),
    -- Business day YYYY-MM-DD in the branch's timezone.
    day text not null,
    -- The last event of the day: its seq and hash (events.hash).
    seq bigint not null,
    hash text not null,
    -- ed25519 signature (hex) of the canonical message
    -- (server/src/events/anchor.rs) and the public key (hex) that checks it.
    signature text not null,
    public_key text not null,
    -- ms since the epoch.
    signed_at bigint not null,
    primary key (branch_id, day)
);
