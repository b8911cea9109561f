-- Several outbox workers send in parallel, one room each at a time: a
-- message waits while an earlier one to the same room is unsent and due.
CREATE INDEX outbox_room_unsent ON outbox (platform, room, id) WHERE sent_at IS NULL;
