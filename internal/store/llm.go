package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// LLMUsage is a row of llm_usage: one language-model call.
type LLMUsage struct {
	ID               int64
	At               time.Time
	Purpose          string // summary, polish, extract
	Model            string
	PromptTokens     int
	CompletionTokens int
	StatementID      int64 // 0 when none
	DraftID          int64 // 0 when none
	OK               bool
	Error            string
	TookMS           int
}

// AddLLMUsage records a model call.
func (q Q) AddLLMUsage(ctx context.Context, u LLMUsage) error {
	_, err := q.db.Exec(ctx, `INSERT INTO llm_usage (purpose, model, prompt_tokens, completion_tokens, statement_id,
			draft_id, ok, error, took_ms)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.Purpose, u.Model, u.PromptTokens, u.CompletionTokens, nullID(u.StatementID), nullID(u.DraftID), u.OK, u.Error, u.TookMS)
	return err
}

// LLMUsages lists recorded calls, oldest first.
func (q Q) LLMUsages(ctx context.Context) ([]LLMUsage, error) {
	return list(ctx, q.db, func(row pgx.Row) (LLMUsage, error) {
		var u LLMUsage
		err := row.Scan(&u.ID, &u.At, &u.Purpose, &u.Model, &u.PromptTokens, &u.CompletionTokens, &u.StatementID,
			&u.DraftID, &u.OK, &u.Error, &u.TookMS)
		return u, err
	}, `SELECT id, at, purpose, model, prompt_tokens, completion_tokens, coalesce(statement_id, 0),
			coalesce(draft_id, 0), ok, error, took_ms
		FROM llm_usage ORDER BY id`)
}

// StatementSummary returns the stored summary of a statement; "" when
// there is none.
func (q Q) StatementSummary(ctx context.Context, statementID int64) (string, error) {
	var s string
	err := q.db.QueryRow(ctx, `SELECT summary FROM statement_summary WHERE statement_id = $1`, statementID).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return s, err
}

// SaveStatementSummary stores a statement's summary; a summary stored
// first (by another replica) wins. It returns the stored summary.
func (q Q) SaveStatementSummary(ctx context.Context, statementID int64, summary, model string) (string, error) {
	if _, err := q.db.Exec(ctx, `INSERT INTO statement_summary (statement_id, summary, model) VALUES ($1, $2, $3)
		ON CONFLICT (statement_id) DO NOTHING`, statementID, summary, model); err != nil {
		return "", err
	}
	return q.StatementSummary(ctx, statementID)
}

// DraftProposal is a row of draft_proposal: a machine-generated body
// proposed for a draft, made from one revision of it.
type DraftProposal struct {
	DraftID    int64
	Revision   int
	Body       string
	Model      string
	ProposedBy string
	CreatedAt  time.Time
	AcceptedAt *time.Time
}

// SaveDraftProposal stores the latest proposal for a draft, replacing an
// earlier one.
func (q Q) SaveDraftProposal(ctx context.Context, p *DraftProposal) error {
	return q.db.QueryRow(ctx, `INSERT INTO draft_proposal (draft_id, revision, body, model, proposed_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (draft_id) DO UPDATE SET revision = excluded.revision, body = excluded.body, model = excluded.model,
			proposed_by = excluded.proposed_by, created_at = now(), accepted_at = NULL
		RETURNING created_at`, p.DraftID, p.Revision, p.Body, p.Model, p.ProposedBy).Scan(&p.CreatedAt)
}

// DraftProposalOf returns the proposal for a draft; nil when there is
// none.
func (q Q) DraftProposalOf(ctx context.Context, draftID int64) (*DraftProposal, error) {
	var p DraftProposal
	err := q.db.QueryRow(ctx, `SELECT draft_id, revision, body, model, proposed_by, created_at, accepted_at
		FROM draft_proposal WHERE draft_id = $1`, draftID).
		Scan(&p.DraftID, &p.Revision, &p.Body, &p.Model, &p.ProposedBy, &p.CreatedAt, &p.AcceptedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &p, err
}

// MarkDraftProposalAccepted notes that the proposal was applied.
func (q Q) MarkDraftProposalAccepted(ctx context.Context, draftID int64) error {
	_, err := q.db.Exec(ctx, `UPDATE draft_proposal SET accepted_at = now() WHERE draft_id = $1`, draftID)
	return err
}
