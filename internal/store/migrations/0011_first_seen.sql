-- When the bot first saw each statement (issue 13 point 4): deadline
-- reminder rungs dated before it are never sent, because the announcement
-- already showed the deadline (rules.Ladder.DueRung). Statements already
-- mirrored count as seen now, so upgrading is like a first start: only
-- today's rungs, no burst.
ALTER TABLE statement ADD COLUMN first_seen timestamptz NOT NULL DEFAULT now();
