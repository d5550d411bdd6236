package testserver

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
)

// SyncBuffer is a bytes.Buffer that handlers on many goroutines can write
// to, such as the log of a Customs under test. Its zero value is ready to
// use, and it is safe for concurrent use.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what has been written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// DebugLogger returns a logger that writes every record, down to debug
// level, as text to w.
func DebugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
