-- Inbound adapters (docs/inbound.md): a source's own webhooks, CloudEvents and statement files become
-- signals through a mapping. Every version of a source's mapping is kept; its secret is sealed with the
-- server's secrets key (as webhook secrets are) and never shown. The body is json, not jsonb: kept as
-- written, so that attributes keep their order (it is part of a signal's content).
CREATE TABLE inbound_mappings (
    source         text        NOT NULL,
    version        integer     NOT NULL,
    body           json        NOT NULL,
    secret         bytea       NULL,
    secrets_key_id text        NULL,
    created_by     text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, version)
);

-- One row per verified delivery (one per event of a CloudEvents batch). A delivery that no rule maps, whose
-- mapping fails or one of whose signals is rejected is 'quarantined': its whole payload is kept (at most the
-- inbound body limit, 1 MiB) until a replay maps it ('replayed'). Of an 'ingested' one only the first 4 KiB
-- are kept, and only the newest 1,000 such rows per source.
CREATE TABLE inbound_deliveries (
    delivery_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text        NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    mapping_version integer     NOT NULL,
    status          text        NOT NULL,
    content_type    text        NULL,
    payload         bytea       NOT NULL,
    payload_bytes   integer     NOT NULL,
    signals         integer     NOT NULL DEFAULT 0,
    reason          text        NULL,
    field           text        NULL,
    replays         integer     NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_deliveries_by_source ON inbound_deliveries (source, delivery_id);
CREATE INDEX inbound_deliveries_quarantined ON inbound_deliveries (source, delivery_id) WHERE status = 'quarantined';

-- Statement and settlement file imports, with the summary each answered (rows, signals accepted, duplicates,
-- rejected rows with their numbers and reasons), as json: GET answers it exactly as the import did.
CREATE TABLE inbound_imports (
    import_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text        NOT NULL,
    mapping_version integer     NOT NULL,
    status          text        NOT NULL,
    started_by      text        NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz NULL,
    summary         json        NOT NULL
);
CREATE INDEX inbound_imports_by_source ON inbound_imports (source, import_id);
