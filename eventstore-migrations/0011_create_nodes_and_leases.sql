-- Several servers on one database (docs/scaling.md). Each `reconciler serve` registers itself as a node
-- and beats its heart; background jobs (the deadline worker, each webhook subscription) run under a
-- lease: one row per job with its holder, an epoch that grows by one at every acquisition, and an expiry
-- the holder keeps moving forward. Every write a holder makes calls check_lease first, in the same
-- transaction, so a holder that lost its lease (paused, partitioned) cannot write after another took it.

CREATE TABLE nodes (
    name         text        PRIMARY KEY,
    -- A fresh id per process: a restarted node (same name) is a new instance, and an old process that
    -- finds another instance under its name knows it was replaced.
    instance     uuid        NOT NULL,
    address      text        NULL,
    host         text        NOT NULL,
    pid          integer     NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    -- Set by a node that stops cleanly (it released its leases first).
    left_at      timestamptz NULL
);

CREATE TABLE leases (
    name        text        PRIMARY KEY,
    holder      text        NULL,
    epoch       bigint      NOT NULL DEFAULT 0,
    acquired_at timestamptz NULL,
    expires_at  timestamptz NULL
);

-- The fencing check. FOR KEY SHARE keeps the row from being taken over (a takeover locks it FOR UPDATE
-- and skips locked rows) until this transaction ends, while the holder's renewals (which change no key)
-- go through. A holder frozen inside its transaction must not keep that lock for ever: the transaction
-- may then stay idle for at most idle_ms before PostgreSQL ends its session.
CREATE FUNCTION check_lease(lease_name text, lease_holder text, lease_epoch bigint, idle_ms integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    found_holder text;
    found_epoch bigint;
    found_expiry timestamptz;
BEGIN
    PERFORM set_config('idle_in_transaction_session_timeout', idle_ms::text, true);
    SELECT holder, epoch, expires_at INTO found_holder, found_epoch, found_expiry
    FROM leases WHERE name = lease_name FOR KEY SHARE;
    IF found_holder IS DISTINCT FROM lease_holder OR found_epoch IS DISTINCT FROM lease_epoch OR found_expiry <= clock_timestamp() THEN
        -- Said in the message itself: clients do not see DETAIL unless they ask for error details.
        RAISE EXCEPTION 'lease % (epoch %) is no longer held by %: now holder %, epoch %, expiry %', lease_name, lease_epoch, lease_holder,
            coalesce(found_holder, 'none'), coalesce(found_epoch, 0), coalesce(found_expiry::text, 'none')
            USING ERRCODE = 'RL001';
    END IF;
END
$$;
