-- Optional language-model help (issue 7): token usage of every call,
-- statement summaries computed once, and polishing proposals waiting for
-- the chair's /liaison accept.

-- One row per model call, successful or not (ok = false with error).
-- statement_id / draft_id say what the call was about; no foreign keys:
-- a summary is computed before its statement row is committed.
CREATE TABLE llm_usage (
    id                bigserial PRIMARY KEY,
    at                timestamptz NOT NULL DEFAULT now(),
    purpose           text NOT NULL CHECK (purpose IN ('summary', 'polish', 'extract')),
    model             text NOT NULL,
    prompt_tokens     integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    statement_id      bigint,
    draft_id          bigint,
    ok                boolean NOT NULL,
    error             text NOT NULL DEFAULT '',
    took_ms           integer NOT NULL DEFAULT 0
);
CREATE INDEX llm_usage_at ON llm_usage (at);

-- The machine-generated summary of a statement, computed once.
CREATE TABLE statement_summary (
    statement_id bigint PRIMARY KEY,
    summary      text NOT NULL,
    model        text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The latest polishing proposal for a draft, made from one revision of
-- it; /liaison accept applies it only while the draft is still at that
-- revision.
CREATE TABLE draft_proposal (
    draft_id    bigint PRIMARY KEY REFERENCES draft (id),
    revision    integer NOT NULL,
    body        text NOT NULL,
    model       text NOT NULL,
    proposed_by text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz
);
