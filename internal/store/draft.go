package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/liaisonbot/liaisonbot/internal/rules"
)

// Draft is a row of draft: an outgoing statement being prepared in chat,
// with every field of 4053bis §2.
type Draft struct {
	ID                int64
	Platform          string
	Room              string
	Thread            string
	AuthorID          string
	AuthorEmail       string
	State             rules.DraftState
	Revision          int
	FromGroups        []string
	FromContact       string
	SendReplyTo       string
	ToGroups          []string
	ToContact         string
	SendTo            string
	Purpose           string
	Deadline          *time.Time
	Subject           string
	Body              string
	Attachments       []string
	Related           int64
	Consensus         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	SubmittedAt       *time.Time
	DecidedAt         *time.Time
	DecidedBy         string
	RejectReason      string
	RecordedStatement int64
	RecordedAt        *time.Time
	RecordRemindedAt  *time.Time
}

const draftColumns = `id, platform, room, thread, author_id, author_email, state, revision, from_groups, from_contact,
	send_reply_to, to_groups, to_contact, send_to, purpose, deadline, subject, body, attachments, coalesce(related, 0),
	consensus, created_at, updated_at, submitted_at, decided_at, decided_by, reject_reason,
	coalesce(recorded_statement, 0), recorded_at, record_reminded_at`

func scanDraft(row pgx.Row) (*Draft, error) {
	var d Draft
	err := row.Scan(&d.ID, &d.Platform, &d.Room, &d.Thread, &d.AuthorID, &d.AuthorEmail, &d.State, &d.Revision,
		&d.FromGroups, &d.FromContact, &d.SendReplyTo, &d.ToGroups, &d.ToContact, &d.SendTo, &d.Purpose, &d.Deadline,
		&d.Subject, &d.Body, &d.Attachments, &d.Related, &d.Consensus, &d.CreatedAt, &d.UpdatedAt, &d.SubmittedAt,
		&d.DecidedAt, &d.DecidedBy, &d.RejectReason, &d.RecordedStatement, &d.RecordedAt, &d.RecordRemindedAt)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateDraft inserts a draft and fills its ID.
func (q Q) CreateDraft(ctx context.Context, d *Draft) error {
	if d.State == "" {
		d.State = rules.DraftDraft
	}
	return q.db.QueryRow(ctx, `
		INSERT INTO draft (platform, room, thread, author_id, author_email, state, from_groups, from_contact, send_reply_to,
			to_groups, to_contact, send_to, purpose, deadline, subject, body, attachments, related, consensus)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		RETURNING id, revision, created_at, updated_at`,
		d.Platform, d.Room, d.Thread, d.AuthorID, d.AuthorEmail, d.State, nonNil(d.FromGroups), d.FromContact, d.SendReplyTo,
		nonNil(d.ToGroups), d.ToContact, d.SendTo, d.Purpose, d.Deadline, d.Subject, d.Body, nonNil(d.Attachments),
		nullID(d.Related), d.Consensus).Scan(&d.ID, &d.Revision, &d.CreatedAt, &d.UpdatedAt)
}

// SaveDraftFields stores the §2 fields of d as a new revision (every edit
// is a new revision: approvals bind to one). It returns the new revision.
func (q Q) SaveDraftFields(ctx context.Context, d *Draft) (int, error) {
	err := q.db.QueryRow(ctx, `
		UPDATE draft SET from_groups = $2, from_contact = $3, send_reply_to = $4, to_groups = $5, to_contact = $6,
			send_to = $7, purpose = $8, deadline = $9, subject = $10, body = $11, attachments = $12, related = $13,
			consensus = $14, revision = revision + 1, updated_at = now()
		WHERE id = $1 RETURNING revision`,
		d.ID, nonNil(d.FromGroups), d.FromContact, d.SendReplyTo, nonNil(d.ToGroups), d.ToContact, d.SendTo, d.Purpose,
		d.Deadline, d.Subject, d.Body, nonNil(d.Attachments), nullID(d.Related), d.Consensus).Scan(&d.Revision)
	return d.Revision, opErr("save draft fields", err)
}

// SetDraftState moves a draft to a state. by and reason are recorded for
// decisions (approved, rejected).
func (q Q) SetDraftState(ctx context.Context, id int64, state rules.DraftState, by, reason string) error {
	_, err := q.db.Exec(ctx, `
		UPDATE draft SET state = $2, updated_at = now(),
			submitted_at = CASE WHEN $2 = 'submitted' THEN now() ELSE submitted_at END,
			decided_at = CASE WHEN $2 IN ('approved', 'rejected') THEN now() WHEN $2 IN ('draft', 'submitted') THEN NULL ELSE decided_at END,
			decided_by = CASE WHEN $2 IN ('approved', 'rejected') THEN $3 WHEN $2 IN ('draft', 'submitted') THEN '' ELSE decided_by END,
			reject_reason = CASE WHEN $2 = 'rejected' THEN $4 WHEN $2 IN ('draft', 'submitted') THEN '' ELSE reject_reason END
		WHERE id = $1`, id, state, by, reason)
	return opErr("set draft state", err)
}

// DraftByID returns a draft; nil when there is none. forUpdate locks it.
func (q Q) DraftByID(ctx context.Context, id int64, forUpdate bool) (*Draft, error) {
	sql := `SELECT ` + draftColumns + ` FROM draft WHERE id = $1`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	d, err := scanDraft(q.db.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return d, opErr("draft by id", err)
}

func (q Q) drafts(ctx context.Context, sql string, args ...any) ([]*Draft, error) {
	return list(ctx, q.db, scanDraft, sql, args...)
}

// OpenDrafts lists drafts not yet finished (draft, submitted, approved,
// rejected), optionally of one from-group.
func (q Q) OpenDrafts(ctx context.Context, platform, group string) ([]*Draft, error) {
	return q.drafts(ctx, `SELECT `+draftColumns+` FROM draft
		WHERE platform = $1 AND state IN ('draft', 'submitted', 'approved', 'rejected')
		  AND ($2 = '' OR $2 = ANY(from_groups))
		ORDER BY id`, platform, group)
}

// ApprovedDrafts lists approved drafts waiting to appear in the
// Datatracker.
func (q Q) ApprovedDrafts(ctx context.Context) ([]*Draft, error) {
	return q.drafts(ctx, `SELECT `+draftColumns+` FROM draft WHERE state = 'approved' ORDER BY id`)
}

// MarkDraftRecorded links a draft to the statement it became.
func (q Q) MarkDraftRecorded(ctx context.Context, id, statementID int64) error {
	_, err := q.db.Exec(ctx, `UPDATE draft SET state = 'recorded', recorded_statement = $2, recorded_at = now(), updated_at = now()
		WHERE id = $1`, id, statementID)
	return opErr("mark draft recorded", err)
}

// MarkRecordReminded notes that the author was reminded to record it.
func (q Q) MarkRecordReminded(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE draft SET record_reminded_at = now() WHERE id = $1`, id)
	return opErr("mark record reminded", err)
}

// ApprovalRequest is a row of approval_request.
type ApprovalRequest struct {
	DraftID   int64
	Revision  int
	Platform  string
	Room      string
	OutboxID  int64
	Approvers []string
	// MessageID is the posted request's platform message ID (filled by
	// OpenApprovalRequests).
	MessageID string
}

// AddApprovalRequest records where a revision's approval request went.
func (q Q) AddApprovalRequest(ctx context.Context, r ApprovalRequest) error {
	_, err := q.db.Exec(ctx, `INSERT INTO approval_request (draft_id, revision, platform, room, outbox_id, approvers)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		r.DraftID, r.Revision, r.Platform, r.Room, r.OutboxID, nonNil(r.Approvers))
	return opErr("add approval request", err)
}

// ApprovalRequestByMessage finds the approval request a bot message is.
func (q Q) ApprovalRequestByMessage(ctx context.Context, platform, msgID string) (*ApprovalRequest, error) {
	var r ApprovalRequest
	err := q.db.QueryRow(ctx, `
		SELECT a.draft_id, a.revision, a.platform, a.room, a.outbox_id, a.approvers
		FROM approval_request a JOIN outbox o ON o.id = a.outbox_id
		WHERE o.platform = $1 AND o.sent_id = $2`, platform, msgID).
		Scan(&r.DraftID, &r.Revision, &r.Platform, &r.Room, &r.OutboxID, &r.Approvers)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &r, opErr("approval request by message", err)
}

// OpenApprovalRequests lists the posted requests on platform whose draft
// still waits on them: the request is for the draft's current revision and
// the draft is submitted, approved or rejected (not yet recorded), oldest
// first.
func (q Q) OpenApprovalRequests(ctx context.Context, platform string) ([]ApprovalRequest, error) {
	return list(ctx, q.db, func(row pgx.Row) (ApprovalRequest, error) {
		var r ApprovalRequest
		err := row.Scan(&r.DraftID, &r.Revision, &r.Platform, &r.Room, &r.OutboxID, &r.Approvers, &r.MessageID)
		return r, err
	}, `SELECT a.draft_id, a.revision, a.platform, a.room, a.outbox_id, a.approvers, o.sent_id
		FROM approval_request a
		JOIN outbox o ON o.id = a.outbox_id
		JOIN draft d ON d.id = a.draft_id AND d.revision = a.revision
		WHERE a.platform = $1 AND o.platform = $1 AND o.sent_id IS NOT NULL AND o.sent_id <> ''
		  AND d.state IN ('submitted', 'approved', 'rejected')
		ORDER BY a.draft_id, a.room`, platform)
}

// ApprovalRequestsOf lists where a draft's requests went (all revisions).
func (q Q) ApprovalRequestsOf(ctx context.Context, draftID int64) ([]ApprovalRequest, error) {
	return list(ctx, q.db, func(row pgx.Row) (ApprovalRequest, error) {
		var r ApprovalRequest
		err := row.Scan(&r.DraftID, &r.Revision, &r.Platform, &r.Room, &r.OutboxID, &r.Approvers)
		return r, err
	}, `SELECT draft_id, revision, platform, room, outbox_id, approvers
		FROM approval_request WHERE draft_id = $1 ORDER BY revision, room`, draftID)
}

// The roles an approval row is given under (approval.acted_as): the text
// of rules.ActingApprover and rules.ActingCoordinator (store may not
// import rules; a commands test keeps them one).
const (
	ActedAsApprover    = "approver"
	ActedAsCoordinator = "coordinator"
)

// Approval is a row of approval: an approver's decision or, given as
// coordinator, the IAB liaison coordinator review.
type Approval struct {
	ID            int64
	DraftID       int64
	Revision      int
	Decision      string // approve, reject
	ApproverID    string
	ApproverEmail string
	// ActedAs is the role the person acted under: ActedAsApprover
	// (the default) or ActedAsCoordinator (a review, always "approve").
	ActedAs    string
	ReactionID string
	// ReactionTarget is the message the reaction was on ('' by command).
	ReactionTarget string
	At             time.Time
	WithdrawnAt    *time.Time
	VoidedAt       *time.Time
}

// IsReview reports whether a is the IAB liaison coordinator review rather
// than an approver's decision.
func (a Approval) IsReview() bool { return a.ActedAs == ActedAsCoordinator }

// AddApproval records a decision; an empty ActedAs is ActedAsApprover.
func (q Q) AddApproval(ctx context.Context, a *Approval) error {
	if a.ActedAs == "" {
		a.ActedAs = ActedAsApprover
	}
	return q.db.QueryRow(ctx, `INSERT INTO approval (draft_id, revision, decision, approver_id, approver_email, reaction_id, reaction_target, acted_as)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, at`,
		a.DraftID, a.Revision, a.Decision, a.ApproverID, a.ApproverEmail, a.ReactionID, a.ReactionTarget, a.ActedAs).Scan(&a.ID, &a.At)
}

const approvalColumns = `id, draft_id, revision, decision, approver_id, approver_email, reaction_id, reaction_target, acted_as, at, withdrawn_at, voided_at`

func (q Q) approvals(ctx context.Context, sql string, args ...any) ([]Approval, error) {
	return list(ctx, q.db, func(row pgx.Row) (Approval, error) {
		var a Approval
		err := row.Scan(&a.ID, &a.DraftID, &a.Revision, &a.Decision, &a.ApproverID, &a.ApproverEmail, &a.ReactionID, &a.ReactionTarget,
			&a.ActedAs, &a.At, &a.WithdrawnAt, &a.VoidedAt)
		return a, err
	}, sql, args...)
}

// ActiveApprovals lists the standing decisions on a revision (neither
// withdrawn nor voided), oldest first.
func (q Q) ActiveApprovals(ctx context.Context, draftID int64, revision int) ([]Approval, error) {
	return q.approvals(ctx, `SELECT `+approvalColumns+` FROM approval
		WHERE draft_id = $1 AND revision = $2 AND withdrawn_at IS NULL AND voided_at IS NULL ORDER BY id`, draftID, revision)
}

// ReactionApprovals lists the standing decisions on a revision that were
// given by a reaction on the message target.
func (q Q) ReactionApprovals(ctx context.Context, draftID int64, revision int, target string) ([]Approval, error) {
	return q.approvals(ctx, `SELECT `+approvalColumns+` FROM approval
		WHERE draft_id = $1 AND revision = $2 AND reaction_target = $3 AND reaction_id <> ''
		  AND withdrawn_at IS NULL AND voided_at IS NULL ORDER BY id`, draftID, revision, target)
}

// ApprovalByReaction finds the decision a reaction made.
func (q Q) ApprovalByReaction(ctx context.Context, reactionID string) (*Approval, error) {
	as, err := q.approvals(ctx, `SELECT `+approvalColumns+` FROM approval WHERE reaction_id = $1 ORDER BY id DESC LIMIT 1`, reactionID)
	if err != nil || len(as) == 0 {
		return nil, err
	}
	return &as[0], nil
}

// WithdrawApproval marks a decision withdrawn.
func (q Q) WithdrawApproval(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE approval SET withdrawn_at = now() WHERE id = $1 AND withdrawn_at IS NULL`, id)
	return opErr("withdraw approval", err)
}

// VoidApprovals voids every standing decision on earlier revisions of a
// draft; it returns how many were voided.
func (q Q) VoidApprovals(ctx context.Context, draftID int64, beforeRevision int) (int64, error) {
	tag, err := q.db.Exec(ctx, `UPDATE approval SET voided_at = now()
		WHERE draft_id = $1 AND revision < $2 AND withdrawn_at IS NULL AND voided_at IS NULL`, draftID, beforeRevision)
	return tag.RowsAffected(), opErr("void approvals", err)
}

// NoteReactionExplained records that actor was told why their reaction on
// a draft did not count; false when they had been told already.
func (q Q) NoteReactionExplained(ctx context.Context, draftID int64, actor string) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO reaction_notice (draft_id, actor) VALUES ($1, $2) ON CONFLICT DO NOTHING`, draftID, actor)
	return tag.RowsAffected() == 1, opErr("note reaction explained", err)
}

// DraftRecordedAs is the draft linked to statement id; 0 when none.
func (q Q) DraftRecordedAs(ctx context.Context, id int64) (int64, error) {
	var d int64
	err := q.db.QueryRow(ctx, `SELECT id FROM draft WHERE recorded_statement = $1 LIMIT 1`, id).Scan(&d)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return d, err
}

// RecordCandidate is a posted statement an approved draft may have become.
type RecordCandidate struct {
	ID    int64
	Title string
}

// RecordCandidates lists the posted statements sent by one of fromGroups,
// that the bot first saw since since (its own clock, not the
// Datatracker's dates), and not yet linked to a draft: those an approved
// draft may have become. The caller compares subjects.
func (q Q) RecordCandidates(ctx context.Context, fromGroups []string, since time.Time) ([]RecordCandidate, error) {
	return list(ctx, q.db, func(row pgx.Row) (RecordCandidate, error) {
		var c RecordCandidate
		err := row.Scan(&c.ID, &c.Title)
		return c, err
	}, `
		SELECT s.id, s.title FROM statement s
		WHERE s.state = 'posted'
		  AND s.first_seen >= $2
		  AND s.from_groups && ARRAY(SELECT g.id FROM dt_group g WHERE lower(g.acronym) = ANY($1))
		  AND NOT EXISTS (SELECT 1 FROM draft d WHERE d.recorded_statement = s.id)
		ORDER BY s.id`, nonNil(fromGroups), since)
}
