-- Sends that were started: written and committed before the message goes
-- to the chat server, outside the transaction that holds the outbox row,
-- so after a crash the bot knows an earlier attempt may have been posted
-- and asks the platform before sending again. No foreign key: the outbox
-- row is locked by the sending transaction while this row is written.
CREATE TABLE outbox_attempt (
    outbox_id  bigint PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now()
);
