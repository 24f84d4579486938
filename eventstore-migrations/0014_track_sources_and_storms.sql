-- What the engine knows of each source (docs/domain.md, "Source silence"): when it last sent a signal
-- and a heartbeat, and its watermark ("I have sent everything I observed up to this time"). Written
-- after commits, at most about once a second per source and server; times only move forward.
CREATE TABLE sources (
    source            text        PRIMARY KEY,
    last_signal_at    timestamptz NULL,
    last_heartbeat_at timestamptz NULL,
    watermark         timestamptz NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Periods in which a source said nothing for longer than its silentAfter, recorded when it speaks
-- again (from its last word to the next one); the disagreement report lists them.
CREATE TABLE source_silences (
    source     text        NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz NOT NULL,
    PRIMARY KEY (source, started_at)
);
CREATE INDEX source_silences_ended ON source_silences (ended_at);

-- Conflict storms (docs/domain.md, "Conflict storms"): one row per storm, kept after it ends. The guard
-- follows the feed under the "storms" lease; started_* is the feed cursor of the conflict that raised
-- the storm and ended_* where the guard stood when it ended: webhooks hold the storm's ConflictOpened
-- items between the two. The storms' events go to the system stream '$system'.
CREATE TABLE storms (
    storm_id         text        PRIMARY KEY,
    operation_type   text        NOT NULL,
    kind             text        NOT NULL,
    threshold        integer     NOT NULL,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz NULL,
    count            bigint      NOT NULL,
    sources          text[]      NOT NULL,
    notified_at      timestamptz NOT NULL,
    notified_count   bigint      NOT NULL,
    started_tx       xid8        NOT NULL,
    started_position bigint      NOT NULL,
    ended_tx         xid8        NULL,
    ended_position   bigint      NULL
);
CREATE INDEX storms_lasting ON storms (operation_type, kind) WHERE ended_at IS NULL;
CREATE INDEX storms_started ON storms (started_at DESC);
