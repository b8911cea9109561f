-- Statements pending in the Datatracker whose approvers the bot told
-- privately (issue 16): one row per (statement, room), the room being the
-- bot's direct conversation with one approver or the approvals room for
-- approvers without a chat identity. Reminders and the closing word
-- ("posted", "killed") go to the same room once each.
CREATE TABLE pending_request (
    platform      text NOT NULL,
    statement_id  bigint NOT NULL,
    room          text NOT NULL,
    approvers     text[] NOT NULL,
    direct        boolean NOT NULL,
    outbox_id     bigint,
    round         int NOT NULL DEFAULT 1,
    first_sent_at timestamptz NOT NULL,
    last_sent_at  timestamptz NOT NULL,
    reminders     int NOT NULL DEFAULT 0,
    concluded     text NOT NULL DEFAULT '',
    concluded_at  timestamptz,
    PRIMARY KEY (platform, statement_id, room)
);
CREATE INDEX pending_request_statement ON pending_request (statement_id);

-- Pending statements are looked for by state and submission date.
CREATE INDEX statement_pending ON statement (submitted_at) WHERE state = 'pending';

-- The opt-in digest of "/liaison notify daily|weekly" (issue 16): what
-- waits on a person, sent by direct message on the reminder schedule.
CREATE TABLE notify_pref (
    platform     text NOT NULL,
    email        text NOT NULL,
    user_id      text NOT NULL,
    every        text NOT NULL CHECK (every IN ('daily', 'weekly')),
    last_sent_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, email)
);
