-- Deadline reminders, part two (issue 5; 4053bis §3.1, §5.1).
--
-- Reminders belong to the deadline they were computed for: the ladder's
-- rungs are days relative to the deadline, so when the Datatracker's
-- deadline of a statement changes its ladder starts afresh
-- (rules.Ladder.DueRung: "if the deadline changes, the caller must forget
-- lastSent"), while (statement, deadline, rung, room) stays exactly once.
ALTER TABLE reminder_state ADD COLUMN deadline date;
ALTER TABLE reminder_sent ADD COLUMN deadline date NOT NULL DEFAULT '1970-01-01';
ALTER TABLE reminder_sent ALTER COLUMN deadline DROP DEFAULT;
ALTER TABLE reminder_sent DROP CONSTRAINT reminder_sent_pkey;
ALTER TABLE reminder_sent ADD PRIMARY KEY (statement_id, deadline, rung, platform, room);

-- The other body's reference given with /liaison received, matched
-- against other_identifiers of newly recorded statements.
ALTER TABLE received_report ADD COLUMN reference text NOT NULL DEFAULT '';

-- The range scans of the reminder tick, /liaison overdue and upcoming and
-- the calendar feeds use statement_purpose_deadline (0004): see
-- reminder.TestQueriesAreIndexed for the plans on 100,000 statements.

-- Recently posted statements, matched against open received reports.
CREATE INDEX statement_posted_at ON statement (posted_at) WHERE state = 'posted';

