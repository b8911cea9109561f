package rules

import "testing"

func TestSameSubject(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"TE topology models", "TE topology models", true},
		{"TE topology models", "te topology models (final)", true},
		{"TE topology models", "LS on TE Topology Models", true},
		{"TE topology YANG models", "TE topology models", true},
		{"Reply to LS on OTN YANG", "Response: OTN YANG", true},
		{"TE topology models", "Optical impairments", false},
		{"TE topology models", "TE tunnels", false},
		{"LS", "LS", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := SameSubject(tt.a, tt.b); got != tt.same {
			t.Errorf("SameSubject(%q, %q) = %v (%.2f), want %v", tt.a, tt.b, got, SubjectSimilarity(tt.a, tt.b), tt.same)
		}
	}
}
