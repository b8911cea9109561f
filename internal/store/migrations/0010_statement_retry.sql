-- Statements whose detail (or the attachments, relations and groups they
-- need) could not be fetched when one of their events was polled: a 404 a
-- moment after the event, a 5xx, a time-out, a truncated body. The poll
-- cursor moves on; later polls fetch these again with back-off, and
-- announce them then if a posted event was among the events (issue 13).
-- A statement that stays missing across many attempts spanning at least a
-- day is marked gone and no longer retried.
CREATE TABLE statement_retry (
    statement_id     bigint PRIMARY KEY,
    announce         boolean NOT NULL DEFAULT false,
    attempts         integer NOT NULL DEFAULT 1,
    first_failed_at  timestamptz NOT NULL,
    last_failed_at   timestamptz NOT NULL,
    next_at          timestamptz NOT NULL,
    last_error       text NOT NULL DEFAULT '',
    gone_at          timestamptz
);
CREATE INDEX statement_retry_due ON statement_retry (next_at) WHERE gone_at IS NULL;
