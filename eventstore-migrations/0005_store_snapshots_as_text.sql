-- The snapshot is the decider's state, written and read whole by the server and never queried inside
-- PostgreSQL: as text it skips jsonb parsing on every write and jsonb printing on every read.
ALTER TABLE operations ALTER COLUMN snapshot TYPE text USING snapshot::text;
