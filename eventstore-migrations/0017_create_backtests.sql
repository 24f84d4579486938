-- Policy backtests (docs/domain.md, "Policy backtest"): what a candidate policy would change across the stored operations of
-- its type, before it goes live. One row per backtest, kept after it ends (until it is deleted). The server holding the
-- "backtests" lease runs them one at a time, oldest first: it pages through the type's streams in stream-id order and commits,
-- per page, the page's differences, the cursor (after_operation), the operations done and the summary so far, in one
-- transaction fenced by its lease; a restart or a takeover resumes after the last committed page from that summary.
-- The candidate is kept in the policy reader's normal form; candidate_hash names it (sha256 of that form).
CREATE TABLE backtests (
    backtest_id     text        PRIMARY KEY,
    operation_type  text        NOT NULL,
    candidate       text        NOT NULL,
    candidate_hash  text        NOT NULL,
    range_from      timestamptz NULL,
    range_to        timestamptz NULL,
    as_of           timestamptz NOT NULL,
    status          text        NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    requested_by    text        NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz NULL,
    ended_at        timestamptz NULL,
    -- progress: operations to compare (counted when the run first starts) and compared so far; resumed_at and resumed_done
    -- say where the current stint began, for the rate and the estimated end
    total           bigint      NULL,
    done            bigint      NOT NULL DEFAULT 0,
    after_operation text        NOT NULL DEFAULT '',
    resumed_at      timestamptz NULL,
    resumed_done    bigint      NOT NULL DEFAULT 0,
    attempts        integer     NOT NULL DEFAULT 0,
    summary         jsonb       NULL,
    summary_hash    text        NULL,
    error           text        NULL
);
-- The worker's queue, and "the last backtest of this candidate" (reconciler policies put).
CREATE INDEX backtests_waiting ON backtests (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX backtests_of_type ON backtests (operation_type, created_at DESC);

-- What differs per operation, the what-if changes of each (what: outcome, finality, facet, conflict) and the decisions at
-- risk (what: decision, with the decision itself), paged by (operation_id, seq).
CREATE TABLE backtest_changes (
    backtest_id  text    NOT NULL REFERENCES backtests ON DELETE CASCADE,
    operation_id text    NOT NULL,
    seq          integer NOT NULL,
    what         text    NOT NULL,
    subject      text    NOT NULL,
    before       text    NULL,
    after        text    NULL,
    decision     jsonb   NULL,
    PRIMARY KEY (backtest_id, operation_id, seq)
);
CREATE INDEX backtest_changes_what ON backtest_changes (backtest_id, what, operation_id, seq);
