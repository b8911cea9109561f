-- A message the chat server refused for good (too large, malformed,
-- forbidden) is given up after a few tries instead of being retried for
-- ever: failed_at is set, and it no longer holds back its room's queue.
ALTER TABLE outbox ADD COLUMN failed_at timestamptz;
