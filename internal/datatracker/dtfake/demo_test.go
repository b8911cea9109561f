package dtfake

import (
	"slices"
	"testing"
	"time"
)

// TestLoadDemo: the demo directory has about two dozen statements dated
// around the given day: two overdue and unanswered, one pending.
func TestLoadDemo(t *testing.T) {
	now := time.Date(2031, 5, 17, 12, 0, 0, 0, time.UTC)
	s := New()
	s.LoadDemo(now)
	n, _ := s.Counts()
	if n < 24 {
		t.Errorf("%d statements, want two dozen", n)
	}
	answered := map[int64]bool{2042: true}
	for id := int64(2041); id <= s.maxStatementID(); id++ {
		if st, ok := s.Statement(id); ok && st.Purpose == "response" {
			for _, r := range s.m.related.from(0) {
				if r.Source == id {
					answered[r.Target] = true
				}
			}
		}
	}
	var overdue, upcoming, pending []int64
	today := now.Format(time.DateOnly)
	for id := int64(2041); id <= s.maxStatementID(); id++ {
		st, ok := s.Statement(id)
		if !ok {
			continue
		}
		if st.State == "pending" {
			pending = append(pending, id)
		}
		if st.Purpose != "action" || st.State != "posted" || answered[id] || slices.Contains(st.Tags, "taken") {
			continue
		}
		switch {
		case st.Deadline < today:
			overdue = append(overdue, id)
		default:
			upcoming = append(upcoming, id)
		}
	}
	if len(overdue) != 2 || len(pending) != 1 || len(upcoming) < 8 {
		t.Errorf("overdue %v (want 2), pending %v (want 1), upcoming %v (want several)", overdue, pending, upcoming)
	}
	for _, p := range DemoPersonas {
		if p.Email == "" || p.Name == "" || p.Role == "" {
			t.Errorf("persona %+v is incomplete", p)
		}
	}
}

func (s *Server) maxStatementID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.statements.maxID()
}
