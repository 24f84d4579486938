-- Re-judging after a policy fix (docs/domain.md, "Re-judging after a policy fix"): one row per run, kept after it ends.
-- A run judges the open unmodeled conflicts of its operation type again under its policy version. It is created in the
-- transaction that stores the version (unless PUT asked rejudge=false), or later by POST /v1/policies/{type}/rejudge; a
-- newer version of the type supersedes a run still going. The server holding the "rejudging" lease pages through the
-- conflicts by id and writes each page's progress in the transaction of the page's events: after_conflict is the last id
-- looked at, examined the conflicts looked at, rejudged those closed or judged again, signals the signals judged again.
CREATE TABLE rejudgings (
    operation_type text        NOT NULL,
    policy_version integer     NOT NULL,
    status         text        NOT NULL CHECK (status IN ('running', 'done', 'superseded')),
    requested_by   text        NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    ended_at       timestamptz NULL,
    after_conflict text        NOT NULL DEFAULT '',
    examined       bigint      NOT NULL DEFAULT 0,
    rejudged       bigint      NOT NULL DEFAULT 0,
    signals        bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (operation_type, policy_version)
);
-- One run at a time per operation type.
CREATE UNIQUE INDEX rejudgings_running ON rejudgings (operation_type) WHERE status = 'running';

-- What a run pages through, and what it has still to look at: a type's open unmodeled conflicts, by id.
CREATE INDEX conflicts_unmodeled_open ON conflicts (operation_type, conflict_id) WHERE kind = 'unmodeled' AND status = 'open';
