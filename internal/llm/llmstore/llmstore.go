// Package llmstore joins the language-model client to the store: it
// records token usage in llm_usage and computes statement summaries once,
// keeping them in statement_summary, for the mirror's announcements. (The
// llm package itself knows nothing of the database.)
package llmstore

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/llm"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Recorder returns a usage recorder writing to llm_usage through the
// pool (outside any transaction: tokens spent are spent, even when the
// work that asked for them is rolled back). Errors are logged, never
// returned.
func Recorder(st *store.Store, log zerolog.Logger) llm.UsageRecorder {
	return func(ctx context.Context, u llm.Usage) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		err := st.AddLLMUsage(ctx, store.LLMUsage{
			Purpose: u.Purpose, Model: u.Model, PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens,
			StatementID: u.StatementID, DraftID: u.DraftID, OK: u.OK, Error: u.Error, TookMS: int(u.Took.Milliseconds()),
		})
		if err != nil {
			log.Warn().Err(err).Str("purpose", u.Purpose).Msg("recording model usage failed")
		}
	}
}

// Summarizer gives statements their machine-generated summary for
// announcements (it implements mirror.Summarizer). The mirror calls it
// before the transaction that stores and announces a batch, so the model
// call never holds a database transaction open.
type Summarizer struct {
	LLM   *llm.Client
	Store *store.Store
	Log   zerolog.Logger
	// Base is the Datatracker base URL: attachments are fetched for their
	// text only from its host.
	Base string
	// HTTP fetches attachments; nil uses a client with a short time-out.
	HTTP *http.Client
}

// NewSummarizer returns the summarizer for the mirror, or nil when the
// model is off (so the mirror's hook stays unset and announcements are
// exactly as without the feature).
func NewSummarizer(c *llm.Client, st *store.Store, base string, log zerolog.Logger) *Summarizer {
	if !c.Enabled() {
		return nil
	}
	return &Summarizer{LLM: c, Store: st, Base: base, Log: log.With().Str("component", "llm").Logger()}
}

// maxAttachmentBytes bounds the text read from one attachment.
const maxAttachmentBytes = 64 << 10

// Summary returns the statement's summary: the stored one, or a new one
// (stored for next time); "" when the model is off or failed.
func (z *Summarizer) Summary(ctx context.Context, s *store.Statement, atts []store.Attachment) string {
	if z == nil || !z.LLM.Enabled() {
		return ""
	}
	if have, err := z.Store.StatementSummary(ctx, s.ID); err != nil {
		z.Log.Warn().Err(err).Int64("statement", s.ID).Msg("reading the stored summary failed")
		return ""
	} else if have != "" {
		return have
	}
	in := llm.Statement{ID: s.ID, Subject: s.Title, Body: s.Body}
	for _, a := range atts {
		if a.Removed {
			continue
		}
		if text, ok := z.attachmentText(ctx, a.URL); ok {
			in.Attachments = append(in.Attachments, text)
		}
	}
	sum, ok := z.LLM.Summarize(ctx, in)
	if !ok {
		return ""
	}
	stored, err := z.Store.SaveStatementSummary(ctx, s.ID, sum, z.LLM.Model())
	if err != nil {
		z.Log.Warn().Err(err).Int64("statement", s.ID).Msg("storing the summary failed")
		return sum
	}
	return stored
}

// attachmentText fetches an attachment when it is plain text served by
// the Datatracker. PDF text extraction is not done (no PDF library in the
// module): such attachments are left out of the summary's input.
func (z *Summarizer) attachmentText(ctx context.Context, raw string) (string, bool) {
	if raw == "" || z.Base == "" {
		return "", false
	}
	u, err := url.Parse(raw)
	b, berr := url.Parse(z.Base)
	if err != nil || berr != nil || u.Host == "" || !strings.EqualFold(u.Host, b.Host) || (u.Scheme != "https" && u.Scheme != "http") {
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", false
	}
	hc := z.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		z.Log.Debug().Err(err).Str("url", raw).Msg("attachment not fetched for the summary")
		return "", false
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || mt != "text/plain" {
		return "", false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAttachmentBytes))
	if err != nil || !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}
