-- The mirror of the Datatracker (the system of record; we only read it):
-- groups, people, roles, statements with their events, relations and
-- attachments; the sync cursor; and the announcements made.

CREATE TABLE dt_group (
    id         bigint PRIMARY KEY,
    acronym    text NOT NULL,
    name       text NOT NULL DEFAULT '',
    type       text NOT NULL DEFAULT '',
    state      text NOT NULL DEFAULT '',
    parent_id  bigint,
    fetched_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dt_group_acronym ON dt_group (acronym);

CREATE TABLE dt_person (
    id         bigint PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    plain      text NOT NULL DEFAULT '',
    fetched_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dt_role (
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    group_id   bigint NOT NULL,
    person_id  bigint NOT NULL,
    email      text NOT NULL DEFAULT '',
    fetched_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dt_role_group ON dt_role (group_id, name);
CREATE INDEX dt_role_email ON dt_role (lower(email));

CREATE TABLE statement (
    id                     bigint PRIMARY KEY,
    title                  text NOT NULL DEFAULT '',
    from_groups            bigint[] NOT NULL DEFAULT '{}',
    to_groups              bigint[] NOT NULL DEFAULT '{}',
    from_contact           text NOT NULL DEFAULT '',
    to_contacts            text NOT NULL DEFAULT '',
    response_contacts      text NOT NULL DEFAULT '',
    technical_contacts     text NOT NULL DEFAULT '',
    action_holder_contacts text NOT NULL DEFAULT '',
    cc_contacts            text NOT NULL DEFAULT '',
    purpose                text NOT NULL DEFAULT '',
    deadline               date,
    other_identifiers      text NOT NULL DEFAULT '',
    body                   text NOT NULL DEFAULT '',
    tags                   text[] NOT NULL DEFAULT '{}',
    state                  text NOT NULL DEFAULT '',
    submitted_at           timestamptz,
    posted_at              timestamptz,
    raw                    jsonb,
    fetched_at             timestamptz NOT NULL DEFAULT now(),
    search                 tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(other_identifiers, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED
);
CREATE INDEX statement_search ON statement USING gin (search);
CREATE INDEX statement_from_groups ON statement USING gin (from_groups);
CREATE INDEX statement_to_groups ON statement USING gin (to_groups);
-- Statements that may need reminders: posted, with a deadline.
CREATE INDEX statement_deadline ON statement (deadline) WHERE state = 'posted' AND deadline IS NOT NULL;

CREATE TABLE statement_event (
    id           bigint PRIMARY KEY,
    statement_id bigint NOT NULL,
    type         text NOT NULL,
    time         timestamptz NOT NULL,
    by_person    bigint,
    description  text NOT NULL DEFAULT ''
);
CREATE INDEX statement_event_statement ON statement_event (statement_id);

CREATE TABLE statement_related (
    id           bigint PRIMARY KEY,
    source       bigint NOT NULL,
    target       bigint NOT NULL,
    relationship text NOT NULL DEFAULT ''
);
CREATE INDEX statement_related_source ON statement_related (source);
CREATE INDEX statement_related_target ON statement_related (target);

CREATE TABLE statement_attachment (
    id           bigint PRIMARY KEY,
    statement_id bigint NOT NULL,
    document     text NOT NULL,
    title        text NOT NULL DEFAULT '',
    url          text NOT NULL DEFAULT '',
    removed      boolean NOT NULL DEFAULT false
);
CREATE INDEX statement_attachment_statement ON statement_attachment (statement_id);

-- Cursors of the Datatracker sync (e.g. the last posted-event ID seen).
CREATE TABLE sync_state (
    name         text PRIMARY KEY,
    value        bigint NOT NULL DEFAULT 0,
    last_success timestamptz,
    last_error   text NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per (statement, room) announced: the guarantee of "exactly once".
CREATE TABLE announcement (
    statement_id bigint NOT NULL,
    platform     text NOT NULL,
    room         text NOT NULL,
    outbox_id    bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (statement_id, platform, room)
);
