-- Base tables of the walking skeleton: transport state (Matrix sync token,
-- Zulip queue), the durable inbox of chat events, the outbox of messages,
-- the audit log and the room bindings.

CREATE TABLE transport_state (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every chat event the transports deliver, recorded before it is acted on.
-- UNIQUE (platform, event_id) makes a replayed event a no-op.
CREATE TABLE chat_event (
    id          bigserial PRIMARY KEY,
    platform    text NOT NULL,
    event_id    text NOT NULL,
    kind        text NOT NULL,
    room        text NOT NULL,
    sender      text NOT NULL,
    payload     jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    handled_at  timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    UNIQUE (platform, event_id)
);
CREATE INDEX chat_event_pending ON chat_event (id) WHERE handled_at IS NULL;

-- Messages to send. UNIQUE (platform, txn_key) makes enqueueing idempotent;
-- the txn key also becomes the platform transaction ID, so a retried send
-- posts once.
CREATE TABLE outbox (
    id             bigserial PRIMARY KEY,
    platform       text NOT NULL,
    txn_key        text NOT NULL,
    kind           text NOT NULL,
    room           text NOT NULL,
    payload        jsonb NOT NULL,
    react          text[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    not_before     timestamptz NOT NULL DEFAULT now(),
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    sent_at        timestamptz,
    sent_id        text,
    sent_thread    text,
    reacted_at     timestamptz,
    UNIQUE (platform, txn_key)
);
CREATE INDEX outbox_due ON outbox (not_before, id) WHERE sent_at IS NULL OR reacted_at IS NULL;
CREATE INDEX outbox_sent_id ON outbox (platform, sent_id) WHERE sent_id IS NOT NULL;

-- Every command, reaction and state change: who, where, what, result.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    platform    text NOT NULL,
    actor       text NOT NULL,
    actor_email text NOT NULL DEFAULT '',
    room        text NOT NULL DEFAULT '',
    action      text NOT NULL,
    args        text NOT NULL DEFAULT '',
    result      text NOT NULL,
    detail      jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Which groups a room follows. group_acronym '' with coordination = true
-- marks a coordination room (receives every announcement).
CREATE TABLE room_binding (
    platform      text NOT NULL,
    room          text NOT NULL,
    group_acronym text NOT NULL DEFAULT '',
    coordination  boolean NOT NULL DEFAULT false,
    source        text NOT NULL CHECK (source IN ('config', 'command')),
    created_by    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, room, group_acronym)
);
CREATE INDEX room_binding_group ON room_binding (platform, group_acronym);
