-- Projections written inline with every append, inside the same transaction.

-- One row per operation: its agreed truth, and the snapshot of the decider's state that the next
-- request starts from (so ingest never re-folds a whole stream).
CREATE TABLE operations (
    operation_id   text        PRIMARY KEY,
    seq            bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    operation_type text        NOT NULL,
    version        bigint      NOT NULL,
    policy_version integer     NOT NULL,
    outcome        text        NOT NULL,
    health         text        NOT NULL,
    next_deadline  timestamptz NULL,
    snapshot       jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- Listing newest first, and by the filters the API offers.
CREATE INDEX operations_seq_desc ON operations (seq DESC);
CREATE INDEX operations_outcome_seq ON operations (outcome, seq DESC);
CREATE INDEX operations_health_seq ON operations (health, seq DESC);
CREATE INDEX operations_type_seq ON operations (operation_type, seq DESC);
-- The deadline worker's queue: only rows that have a deadline.
CREATE INDEX operations_next_deadline ON operations (next_deadline) WHERE next_deadline IS NOT NULL;

-- The auditors' projection: one row per conflict record (stable id per operation, kind, facet, sources).
CREATE TABLE conflicts (
    conflict_id    text        PRIMARY KEY,
    seq            bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    operation_id   text        NOT NULL,
    operation_type text        NOT NULL,
    kind           text        NOT NULL,
    severity       text        NOT NULL,
    facet          text        NULL,
    sources        text[]      NOT NULL,
    status         text        NOT NULL,
    opened_at      timestamptz NOT NULL,
    resolved_at    timestamptz NULL,
    resolution     text        NULL,
    resolved_by    text        NULL,
    reason         text        NULL,
    occurrences    integer     NOT NULL,
    -- stream versions of the events that opened and closed it (positions are looked up through events)
    evidence_versions bigint[] NOT NULL,
    record         jsonb       NOT NULL
);
CREATE INDEX conflicts_operation ON conflicts (operation_id);
CREATE INDEX conflicts_kind_status ON conflicts (kind, status, seq);
CREATE INDEX conflicts_status_opened ON conflicts (status, opened_at);
CREATE INDEX conflicts_sources ON conflicts USING gin (sources);

-- Truth policies, every version kept.
CREATE TABLE policies (
    operation_type text        NOT NULL,
    version        integer     NOT NULL,
    body           jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NULL,
    PRIMARY KEY (operation_type, version)
);

-- API keys: only a hash of the secret is kept.
CREATE TABLE api_keys (
    key_id      text        PRIMARY KEY,
    secret_hash bytea       NOT NULL,
    role        text        NOT NULL CHECK (role IN ('source', 'auditor', 'resolver', 'admin')),
    source      text        NULL,
    name        text        NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz NULL,
    CHECK (role <> 'source' OR source IS NOT NULL)
);
