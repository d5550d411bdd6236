package jwt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Refresh exchanges a refresh token for new tokens. The refresh token is
// revoked as it is used, so that it works once: a second exchange, which
// means it was stolen or replayed, fails. The new tokens carry the
// subject, audiences, scopes and extra claims of the old ones, after the
// [WithRefreshCheck] callback, if any, has seen them.
//
// Errors wrap customs.ErrInvalidCredentials or customs.ErrMalformedCredentials
// for a bad, expired, reused or revoked token, and customs.ErrUnavailable
// when the revocation store fails.
func (s *Signer) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	if s.noRefresh {
		return Tokens{}, invalid("this signer issues no refresh tokens")
	}
	out, err := verifyToken[Claims](ctx, s.refresh, refreshToken, s.clock())
	if err != nil {
		return Tokens{}, err
	}
	if out.base.ID == "" {
		return Tokens{}, invalid("refresh token without jti")
	}
	already, err := s.revoked.Revoke(ctx, out.base.ID, out.base.ExpiresAt.Time)
	switch {
	case err != nil:
		return Tokens{}, unavailable("revocation store", err)
	case already:
		return Tokens{}, invalid("refresh token used twice")
	}
	g, err := grantOf(out)
	if err != nil {
		return Tokens{}, err
	}
	if s.onRefresh != nil {
		if g, err = s.onRefresh(ctx, g); err != nil {
			return Tokens{}, err
		}
	}
	return s.Issue(ctx, g)
}

// grantOf rebuilds the grant a refresh token was issued for.
func grantOf(out verified[Claims]) (Grant, error) {
	var extra map[string]json.RawMessage
	if err := json.Unmarshal(out.payload, &extra); err != nil {
		return Grant{}, invalid("refresh token claims")
	}
	for k := range extra {
		if slices.Contains(reservedClaims, k) {
			delete(extra, k)
		}
	}
	g := Grant{Subject: out.base.Subject, Audience: out.base.Audience, Scopes: out.base.Scopes()}
	if len(extra) > 0 {
		g.Claims = extra
	}
	return g, nil
}

// Revoke revokes an access or refresh token this signer issued, by its jti
// and until its exp: a logout. Strategies see it when they share the
// signer's [RevocationStore] ([WithRevocations]). An expired or already
// revoked token returns nil.
func (s *Signer) Revoke(ctx context.Context, token string) error {
	out, err := verifyToken[Claims](ctx, s.anyToken, token, s.clock())
	switch {
	case errors.Is(err, errExpired), errors.Is(err, errRevoked):
		return nil
	case err != nil:
		return err
	case out.base.ID == "":
		return invalid("token without jti")
	}
	if _, err := s.revoked.Revoke(ctx, out.base.ID, out.base.ExpiresAt.Time); err != nil {
		return fmt.Errorf("jwt: revoking: %w", err)
	}
	return nil
}
