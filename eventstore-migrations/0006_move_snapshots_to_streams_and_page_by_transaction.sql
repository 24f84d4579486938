-- The write path writes one row per operation per write: its stream head, which now also carries the
-- writer's snapshot of the decider state (the compact binary OperationSnapshot; NULL or an unknown format
-- means "fold the events"). Only the primary key is indexed and the table keeps room on each page, so
-- these updates are HOT (no index maintenance).
ALTER TABLE streams ADD COLUMN snapshot bytea NULL;
ALTER TABLE streams SET (fillfactor = 85);

-- operations becomes the listing projection only: written when the operation appears or when its outcome,
-- health, policy version or next deadline changes. Its version and last update are the stream's.
-- The old JSON snapshots go with the column; each operation is re-folded from its events on its next
-- write (or read) and gets a binary snapshot then.
ALTER TABLE operations DROP COLUMN snapshot;
ALTER TABLE operations DROP COLUMN version;
ALTER TABLE operations DROP COLUMN updated_at;

-- Listings are paged newest first by (the inserting transaction, seq), and show only rows of transactions
-- older than every running one (the feed's safe point): a row whose seq was taken early and committed late
-- is then never skipped by a walk already past it.
ALTER TABLE operations ADD COLUMN created_tx xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE conflicts ADD COLUMN created_tx xid8 NOT NULL DEFAULT pg_current_xact_id();

-- Only the indexes a query needs.
ALTER TABLE operations DROP CONSTRAINT operations_seq_key;
DROP INDEX operations_seq_desc;
DROP INDEX operations_outcome_seq;
DROP INDEX operations_health_seq;
DROP INDEX operations_type_seq;
CREATE INDEX operations_page ON operations (created_tx, seq);
CREATE INDEX operations_outcome_page ON operations (outcome, created_tx, seq);
CREATE INDEX operations_health_page ON operations (health, created_tx, seq);
CREATE INDEX operations_type_page ON operations (operation_type, created_tx, seq);

ALTER TABLE conflicts DROP CONSTRAINT conflicts_seq_key;
DROP INDEX conflicts_kind_status;
DROP INDEX conflicts_status_opened;
DROP INDEX conflicts_status_seq;
DROP INDEX conflicts_severity_seq;
DROP INDEX conflicts_facet_seq;
DROP INDEX conflicts_type_seq;
CREATE INDEX conflicts_page ON conflicts (created_tx, seq);
CREATE INDEX conflicts_kind_page ON conflicts (kind, created_tx, seq);
CREATE INDEX conflicts_status_page ON conflicts (status, created_tx, seq);
