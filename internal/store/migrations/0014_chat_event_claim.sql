-- An inbox worker claims an event with a lease (claimed_until) committed at
-- once, handles it outside any transaction's network phase, then records the
-- result and marks it handled in one short transaction. A worker that dies
-- mid-way leaves the lease to expire, and the event is claimed again.
ALTER TABLE chat_event ADD COLUMN claimed_until timestamptz;

-- The claim looks for the oldest unhandled event of each room.
CREATE INDEX chat_event_room_pending ON chat_event (platform, room, id) WHERE handled_at IS NULL;
