-- The role under which each affirmative was given: 'approver' for an
-- approval (4053bis §4.1), 'coordinator' for the IAB liaison coordinator
-- review (approvals.coordinator_review; ietf-tools/liaison-tooling-2025a:
-- "only one Approver and one IAB Liaison Coordinator need to provide an
-- affirmative", "the role the person is acting under ... will be
-- captured"). A review is decision 'approve' given as coordinator; every
-- row before this column was an approver's.
ALTER TABLE approval ADD COLUMN acted_as text NOT NULL DEFAULT 'approver'
    CHECK (acted_as IN ('approver', 'coordinator'));
