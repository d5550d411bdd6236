package challenge

import "testing"

func TestQuotable(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"":             true,
		"api":          true,
		"my realm 1.0": true,
		`say "hi"`:     false,
		`back\slash`:   false,
		"tab\there":    false,
		"new\nline":    false,
		"del\x7f":      false,
		"café":         false,
	} {
		if got := Quotable(s); got != want {
			t.Errorf("Quotable(%q) = %v, want %v", s, got, want)
		}
	}
}
