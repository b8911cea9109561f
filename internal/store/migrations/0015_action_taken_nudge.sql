-- The "action taken" nudge (issue 16): a For Action statement answered by
-- an In Response statement while the Datatracker still tags it "required"
-- gets one message telling its chairs to press "Mark as action taken"
-- (the Datatracker has no write API). One row per statement and platform.
CREATE TABLE action_taken_nudge (
    statement_id bigint NOT NULL,
    platform     text NOT NULL,
    answer_id    bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (statement_id, platform)
);
