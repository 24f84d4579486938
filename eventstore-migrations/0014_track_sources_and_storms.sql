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
