-- A message the chat server refused for good (too large, malformed,
-- forbidden) is given up after a few tries instead of being retried for
-- ever: failed_at is set, and it no longer holds back its room's queue.
ALTER TABLE outbox ADD COLUMN failed_at timestamptz;
-- An edit of a message the bot sent (the approval request's live card):
-- the outbox row it edits. Sent after that row, in the same room queue.
ALTER TABLE outbox ADD COLUMN edit_of bigint;
