-- Index-backed reads (issue 15 point 6): every read command's plan stays
-- flat as the mirrored history grows.

-- `list`: posted statements newest first. The expression and order are
-- those of ListStatements' ORDER BY, so the newest rows are read in index
-- order and the scan stops at the LIMIT instead of sorting the table.
CREATE INDEX statement_listed ON statement ((coalesce(posted_at, submitted_at)) DESC NULLS LAST, id DESC)
    WHERE state = 'posted';

-- `overdue`, `noreply` and `received` look up the liaison coordinators by
-- role name alone (RolesOn with no group); dt_role_group leads with the
-- group and cannot serve that.
CREATE INDEX dt_role_name ON dt_role (name);
