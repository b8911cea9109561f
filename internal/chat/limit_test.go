package chat

import (
	"strings"
	"testing"
)

func TestCut(t *testing.T) {
	u := User{ID: "@ad:example.org", DisplayName: "Ada"}
	d := NewDoc(
		P(T("Hello "), M(u), T(".")),
		Quote(strings.Repeat("x", 100)),
		List(Item(T("one")), Item(T("two"))),
	)
	if got, cut := d.Cut(1000); cut || len(got.Blocks) != 3 {
		t.Fatalf("a doc within the budget was changed: %+v %v", got, cut)
	}
	got, cut := d.Cut(20)
	if !cut {
		t.Fatal("not cut")
	}
	if got.Size() > 20+1+len([]rune(CutNote)) {
		t.Errorf("cut doc has %d runes", got.Size())
	}
	plain := got.Plain()
	if !strings.Contains(plain, "Hello Ada.") || !strings.Contains(plain, CutNote) || strings.Contains(plain, "one") {
		t.Errorf("cut doc:\n%s", plain)
	}
	if len(got.Mentions()) != 1 {
		t.Errorf("the mention before the cut is lost")
	}
	// A mention is never cut in half: it is dropped when it does not fit.
	got, _ = d.Cut(8)
	if len(got.Mentions()) != 0 || !strings.Contains(got.Plain(), CutNote) {
		t.Errorf("cut at a mention: %q %v", got.Plain(), got.Mentions())
	}
}
