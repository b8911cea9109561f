-- Deadline tracking (4053bis §5.1; chairs' FAQ "Do we need to reply to
-- all LS?"): the last reminder rung sent per statement, each reminder sent
-- per room, decisions not to reply, and statements reported as received
-- outside the Datatracker (§3.1).

CREATE TABLE reminder_state (
    statement_id bigint PRIMARY KEY,
    last_rung    integer NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reminder_sent (
    statement_id bigint NOT NULL,
    rung         integer NOT NULL,
    platform     text NOT NULL,
    room         text NOT NULL,
    outbox_id    bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (statement_id, rung, platform, room)
);

CREATE TABLE noreply (
    statement_id bigint PRIMARY KEY,
    decided_by   text NOT NULL,
    decided_by_email text NOT NULL DEFAULT '',
    reason       text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE received_report (
    id                bigserial PRIMARY KEY,
    platform          text NOT NULL,
    room              text NOT NULL,
    thread            text NOT NULL DEFAULT '',
    reporter          text NOT NULL,
    reporter_email    text NOT NULL DEFAULT '',
    from_body         text NOT NULL,
    to_group          text NOT NULL DEFAULT '',
    subject           text NOT NULL,
    received_on       date,
    details           text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    matched_statement bigint,
    matched_at        timestamptz,
    last_followup_at  timestamptz
);
CREATE INDEX received_report_open ON received_report (id) WHERE matched_statement IS NULL;

-- Answers: In Response statements point at what they answer.
CREATE INDEX statement_purpose_deadline ON statement (purpose, deadline) WHERE state = 'posted';
