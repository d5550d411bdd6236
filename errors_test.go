package customs_test

import (
	"errors"
	"testing"

	"github.com/customs-go/customs"
)

func TestSentinelKinds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ err, kind error }{
		{customs.ErrInsufficientScope, customs.ErrPermissionDenied},
		{customs.ErrNoRule, customs.ErrPermissionDenied},
		{customs.ErrCredentialsExpired, customs.ErrInvalidCredentials},
	} {
		if !errors.Is(tt.err, tt.kind) {
			t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.kind)
		}
		if errors.Is(tt.kind, tt.err) {
			t.Errorf("errors.Is(%v, %v) = true", tt.kind, tt.err)
		}
	}
	if customs.ErrNoRule.Error() != "customs: no rule covers the method" {
		t.Errorf("ErrNoRule says %q", customs.ErrNoRule)
	}
}
