-- Placeholder on branch i15-core only, so migrations stay numbered without
-- gaps; the lead drops it at merge (another branch owns this number).
SELECT 1;
