-- The event store: one stream per operation, events in a global position order, the receipts that
-- answer "have we seen this signal?" and the named reader checkpoints.
-- Unqualified on purpose: the migrator creates the schema and sets search_path.

CREATE TABLE streams (
    stream_id      text        PRIMARY KEY,
    operation_type text        NOT NULL,
    version        bigint      NOT NULL CHECK (version >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- transaction_id is the writer's top-level transaction (xid8, never wraps). The feed reads only rows
-- whose transaction is older than the oldest running one (pg_snapshot_xmin), in (transaction_id,
-- position) order, so a position taken early and committed late is never skipped.
CREATE TABLE events (
    position       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id      text        NOT NULL,
    version        bigint      NOT NULL CHECK (version >= 1),
    type           text        NOT NULL,
    data           jsonb       NOT NULL,
    metadata       jsonb,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT events_stream_id_version_key UNIQUE (stream_id, version)
);

CREATE INDEX events_transaction_id_position_idx ON events (transaction_id, position);

-- One row per signal ever accepted; INSERT ... ON CONFLICT DO NOTHING makes the check atomic.
CREATE TABLE signal_receipts (
    source       text        NOT NULL,
    signal_id    text        NOT NULL,
    operation_id text        NOT NULL,
    position     bigint      NOT NULL,
    content_hash text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, signal_id)
);

-- A named reader's position in the feed: the cursor (transaction_id, position) of its last event.
CREATE TABLE checkpoints (
    name           text        PRIMARY KEY,
    transaction_id xid8        NOT NULL,
    position       bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
