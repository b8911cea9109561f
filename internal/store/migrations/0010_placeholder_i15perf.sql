-- Placeholder on branch i15-perf only: migration 0010 belongs to another
-- branch; without it this branch's 0013 would leave a gap. Drop this file
-- (the whole commit) when merging.
SELECT 1;
