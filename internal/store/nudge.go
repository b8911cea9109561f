package store

import (
	"context"
)

// AnsweredButRequired is a posted For Action (or For Comment) statement
// that an In Response statement answers while the Datatracker still tags
// it "required" (action not marked taken), not yet nudged on platform.
type AnsweredButRequired struct {
	Statement *Statement
	AnswerID  int64
}

// AnsweredButRequired lists the statements to nudge on platform: only
// for answers recorded while the bot was watching (first seen after the
// backfill), so a first start on a long history nudges nobody.
func (q Q) AnsweredButRequired(ctx context.Context, platform string) ([]AnsweredButRequired, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+prefixed("s", statementColumns)+`, a.answer
		FROM statement s
		JOIN LATERAL (SELECT min(r.source) AS answer FROM statement_related r JOIN statement x ON x.id = r.source
			WHERE r.target = s.id AND x.state = 'posted' AND x.purpose = 'response'
			  AND x.first_seen > (SELECT last_success FROM sync_state WHERE name = 'backfilled')) a ON a.answer IS NOT NULL
		WHERE s.state = 'posted' AND s.purpose IN ('action', 'comment')
		  AND 'required' = ANY (s.tags) AND NOT ('taken' = ANY (s.tags))
		  AND NOT EXISTS (SELECT 1 FROM action_taken_nudge n WHERE n.statement_id = s.id AND n.platform = $1)
		ORDER BY s.id`, platform)
	if err != nil {
		return nil, opErr("list answered statements still required", err)
	}
	defer rows.Close()
	var out []AnsweredButRequired
	for rows.Next() {
		var n AnsweredButRequired
		s, err := scanStatement(rows, &n.AnswerID)
		if err != nil {
			return nil, err
		}
		n.Statement = s
		out = append(out, n)
	}
	return out, rows.Err()
}

// ClaimNudge records that statement id is nudged on platform; false when
// it already was (another replica, an earlier run).
func (q Q) ClaimNudge(ctx context.Context, id int64, platform string, answer int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO action_taken_nudge (statement_id, platform, answer_id) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, id, platform, answer)
	if err != nil {
		return false, opErr("claim action-taken nudge", err)
	}
	return tag.RowsAffected() == 1, nil
}
