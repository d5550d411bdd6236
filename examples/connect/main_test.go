package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/customs-go/customs/examples/internal/demo"
	"github.com/customs-go/customs/internal/testserver"
	"github.com/customs-go/customs/password"
)

// cheap are argon2id parameters that keep the test quick under the race
// detector. Never use them for real passwords.
var cheap = password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// TestDemo plays the whole -demo scenario against the real handler, over
// Connect and gRPC-Web on HTTP/1.1 and gRPC on h2c: Basic, Local, JWT
// login, refresh and refusals.
func TestDemo(t *testing.T) {
	t.Parallel()
	var log testserver.SyncBuffer
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), &log), nil))
	handler, app, err := newHandler(logger, demo.WithPasswordParams(cheap))
	if err != nil {
		t.Fatal(err)
	}
	url := testserver.StartHTTP(t, handler) // HTTP/1.1 and h2c
	if err := playDemo(t.Context(), t.Output(), url, app); err != nil {
		t.Fatal(err)
	}
	// The refusals were refused for the reasons the demo says.
	for _, reason := range []string{"token revoked", "bad token signature", "token expired"} {
		if !strings.Contains(log.String(), reason) {
			t.Errorf("no refusal logged with reason %q", reason)
		}
	}
}
