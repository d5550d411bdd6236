package basic_test

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"testing"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/basic"
)

func BenchmarkAuthenticate(b *testing.B) {
	passwords := map[string][]byte{knownUser: []byte(knownPassword)}
	users := map[string]*user{knownUser: {Name: knownUser}}
	s, err := basic.New(func(_ context.Context, name, pw string) (*user, error) {
		want, ok := passwords[name]
		if !ok || subtle.ConstantTimeCompare(want, []byte(pw)) != 1 {
			return nil, fmt.Errorf("%w: bad user-id or password", customs.ErrInvalidCredentials)
		}
		return users[name], nil
	})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Authorization": {basicAuth(knownUser, knownPassword)}}
	call := customs.NewCall(echoProcedure, h, nil)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Authenticate(ctx, call); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	token := enc(knownUser + ":" + knownPassword)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := basic.Parse(token); err != nil {
			b.Fatal(err)
		}
	}
}
