-- A NOTIFY inside the writing transaction takes a database-wide lock from its commit until the end
-- of that commit, so concurrent ingest commits (and their WAL flushes) run one at a time. The server
-- now wakes its own feed readers after each commit and sends one coalesced NOTIFY for the others.
DROP TRIGGER events_notify_inserted ON events;
DROP FUNCTION notify_events_inserted();
