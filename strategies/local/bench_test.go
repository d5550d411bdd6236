package local_test

import (
	"context"
	"crypto/subtle"
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/typepb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/local"
)

func BenchmarkAuthenticate(b *testing.B) {
	m := testMessages(b)
	passwords := map[string][]byte{"alice": []byte("wonderland")}
	users := map[string]*user{"alice": {Name: "alice"}}
	validate := func(_ context.Context, name, pw string) (*user, error) {
		want, ok := passwords[name]
		if !ok || subtle.ConstantTimeCompare(want, []byte(pw)) != 1 {
			return nil, fmt.Errorf("%w: bad username or password", customs.ErrInvalidCredentials)
		}
		return users[name], nil
	}
	benchmarks := []struct {
		name string
		opts []local.Option
		msg  proto.Message
	}{
		{"generated", []local.Option{local.WithFields("name", "default_value")},
			&typepb.Field{Name: "alice", DefaultValue: "wonderland"}},
		{"dynamic", nil, newMessage(m.login, map[string]any{"username": "alice", "password": "wonderland"})},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			s, err := local.New(validate, bm.opts...)
			if err != nil {
				b.Fatal(err)
			}
			call := customs.NewCall(loginProc, nil, bm.msg)
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Authenticate(ctx, call); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
