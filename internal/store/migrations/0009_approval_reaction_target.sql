-- The message a reaction decision was given on (the approval request's
-- platform message ID; '' for a decision given by command), so that after
-- a transport lost reaction events the bot can compare the decisions on a
-- request with the reactions the platform shows on it now.
ALTER TABLE approval ADD COLUMN reaction_target text NOT NULL DEFAULT '';
