-- Every append maintained three indexes on events: the primary key (position), the stream's unique
-- (stream_id, version) and the feed's (transaction_id, position). Nothing looks an event up by position
-- alone, and position is unique by its identity, so the feed's index becomes the primary key: one index
-- fewer to write per event. (Rebuilding it takes a while on a large table; it runs once, at upgrade.)
ALTER TABLE events DROP CONSTRAINT events_pkey;
DROP INDEX events_transaction_id_position_idx;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (transaction_id, position);
