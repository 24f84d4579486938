-- Webhook subscriptions (docs/webhooks.md). Each subscription walks the feed from its own checkpoint:
-- nothing is written on the ingest path. A delivery that failed, and the later items of its operation
-- held behind it, wait in webhook_deliveries with the time of their next attempt; a delivery that
-- exhausted its retries stays there, parked, until it is redelivered.

CREATE TABLE webhook_subscriptions (
    subscription_id       integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                  text        NOT NULL UNIQUE,
    url                   text        NOT NULL,
    -- NULL: every event type / every operation type.
    event_types           text[]      NULL,
    operation_types       text[]      NULL,
    status                text        NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
    disabled_reason       text        NULL,
    -- whsec_ secrets sealed with AES-GCM under the server's secrets key (never in the clear here);
    -- secrets_key_id names that key, so a server holding another key says so instead of failing to verify.
    secret                bytea       NOT NULL,
    previous_secret       bytea       NULL,
    previous_secret_until timestamptz NULL,
    secrets_key_id        text        NOT NULL,
    max_attempts          integer     NOT NULL CHECK (max_attempts BETWEEN 1 AND 20),
    initial_delay         interval    NOT NULL,
    max_delay             interval    NOT NULL,
    max_age               interval    NOT NULL,
    -- The feed cursor (transaction_id, position) up to which every matching item was delivered, parked
    -- or moved to webhook_deliveries.
    checkpoint_transaction_id xid8    NOT NULL,
    checkpoint_position   bigint      NOT NULL,
    delivered             bigint      NOT NULL DEFAULT 0,
    failures              bigint      NOT NULL DEFAULT 0,
    last_error            text        NULL,
    last_error_at         timestamptz NULL,
    last_delivered_at     timestamptz NULL,
    -- The first failed attempt since the last success: 24 hours of failures only disable the subscription.
    failing_since         timestamptz NULL,
    -- Moves on every change an admin makes, so that the delivering server reloads the definition.
    revision              integer     NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- One row per feed item that is waiting for a retry (pending) or has exhausted its retries (parked).
-- Within an operation the pending rows go out in version order, one at a time: the lowest is the head.
CREATE TABLE webhook_deliveries (
    subscription_id  integer     NOT NULL REFERENCES webhook_subscriptions ON DELETE CASCADE,
    event_position   bigint      NOT NULL,
    operation_id     text        NOT NULL,
    version          bigint      NOT NULL,
    event_type       text        NOT NULL,
    -- The feed item exactly as every attempt sends it.
    body             text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('pending', 'parked')),
    attempts         integer     NOT NULL DEFAULT 0,
    first_attempt_at timestamptz NULL,
    last_attempt_at  timestamptz NULL,
    next_attempt_at  timestamptz NOT NULL,
    last_status      integer     NULL,
    last_error       text        NULL,
    parked_at        timestamptz NULL,
    PRIMARY KEY (subscription_id, event_position)
);

CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (subscription_id, operation_id, version) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_parked ON webhook_deliveries (subscription_id, parked_at) WHERE state = 'parked';
