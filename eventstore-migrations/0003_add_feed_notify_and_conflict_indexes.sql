-- Feed wake-ups and the auditors' conflict queries.

-- One notification per inserting statement (not per row), delivered at commit: the server's single
-- listener wakes the long-polling feed readers instead of having them poll. The payload is the schema,
-- so servers of several schemas in one database may tell their own events apart.
CREATE FUNCTION notify_events_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('reconciler_events', TG_TABLE_SCHEMA);
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify_inserted
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_events_inserted();

-- GET /v1/conflicts pages newest first by seq, under any one filter; from/to bound opened_at.
CREATE INDEX conflicts_status_seq ON conflicts (status, seq);
CREATE INDEX conflicts_severity_seq ON conflicts (severity, seq);
CREATE INDEX conflicts_facet_seq ON conflicts (facet, seq);
CREATE INDEX conflicts_type_seq ON conflicts (operation_type, seq);
CREATE INDEX conflicts_opened_at ON conflicts (opened_at);
