-- Outgoing statements drafted in chat (4053bis §2), their approval
-- requests and approvals (§4.1). An approval binds to one revision: any
-- edit bumps the revision and voids approvals of earlier ones.

CREATE TABLE draft (
    id                  bigserial PRIMARY KEY,
    platform            text NOT NULL,
    room                text NOT NULL,
    thread              text NOT NULL DEFAULT '',
    author_id           text NOT NULL,
    author_email        text NOT NULL DEFAULT '',
    state               text NOT NULL DEFAULT 'draft'
        CHECK (state IN ('draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'recorded')),
    revision            integer NOT NULL DEFAULT 1,
    from_groups         text[] NOT NULL DEFAULT '{}',
    from_contact        text NOT NULL DEFAULT '',
    send_reply_to       text NOT NULL DEFAULT '',
    to_groups           text[] NOT NULL DEFAULT '{}',
    to_contact          text NOT NULL DEFAULT '',
    send_to             text NOT NULL DEFAULT '',
    purpose             text NOT NULL DEFAULT '',
    deadline            date,
    subject             text NOT NULL DEFAULT '',
    body                text NOT NULL DEFAULT '',
    attachments         text[] NOT NULL DEFAULT '{}',
    related             bigint,
    consensus           text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    submitted_at        timestamptz,
    decided_at          timestamptz,
    decided_by          text NOT NULL DEFAULT '',
    reject_reason       text NOT NULL DEFAULT '',
    recorded_statement  bigint,
    recorded_at         timestamptz,
    record_reminded_at  timestamptz
);
CREATE INDEX draft_state ON draft (state);

-- Where the approval request of a revision was posted (one row per room),
-- so reactions on it can be matched to the draft and revision.
CREATE TABLE approval_request (
    draft_id   bigint NOT NULL REFERENCES draft (id),
    revision   integer NOT NULL,
    platform   text NOT NULL,
    room       text NOT NULL,
    outbox_id  bigint NOT NULL,
    approvers  text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (draft_id, revision, room)
);

-- Every approval or rejection given. withdrawn_at: the reaction was
-- removed; voided_at: the draft was edited after it.
CREATE TABLE approval (
    id             bigserial PRIMARY KEY,
    draft_id       bigint NOT NULL REFERENCES draft (id),
    revision       integer NOT NULL,
    decision       text NOT NULL CHECK (decision IN ('approve', 'reject')),
    approver_id    text NOT NULL,
    approver_email text NOT NULL,
    reaction_id    text NOT NULL DEFAULT '',
    at             timestamptz NOT NULL DEFAULT now(),
    withdrawn_at   timestamptz,
    voided_at      timestamptz
);
CREATE INDEX approval_draft ON approval (draft_id, revision);
CREATE INDEX approval_reaction ON approval (reaction_id) WHERE reaction_id <> '';

-- Who was told once why their reaction did not count (so they are told
-- once, not on every reaction).
CREATE TABLE reaction_notice (
    draft_id  bigint NOT NULL,
    actor     text NOT NULL,
    PRIMARY KEY (draft_id, actor)
);
