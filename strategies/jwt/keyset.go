package jwt

import (
	"context"
	"fmt"

	"github.com/customs-go/customs"
)

// keyRef names a key: its kid and its pinned algorithm.
type keyRef struct{ kid, alg string }

// keySet is an immutable set of verification keys.
type keySet struct {
	keys  []Key
	byRef map[keyRef]*Key
	kids  map[string]bool
	// solo maps an algorithm to its only key, for tokens without kid.
	solo map[string]*Key
}

// newKeySet indexes keys. It reports the first duplicate (kid, alg) pair,
// which it leaves out.
func newKeySet(keys []Key) (*keySet, error) {
	s := &keySet{
		keys:  make([]Key, 0, len(keys)),
		byRef: make(map[keyRef]*Key, len(keys)),
		kids:  make(map[string]bool, len(keys)),
		solo:  map[string]*Key{},
	}
	var dup error
	count := map[string]int{}
	seen := make(map[keyRef]bool, len(keys))
	for _, k := range keys {
		ref := keyRef{k.id, k.alg}
		if seen[ref] {
			if dup == nil {
				dup = fmt.Errorf("jwt: two keys with kid %q and alg %s: %w", k.id, k.alg, customs.ErrConfig)
			}
			continue
		}
		seen[ref] = true
		s.keys = append(s.keys, k)
		count[k.alg]++
	}
	for i := range s.keys {
		k := &s.keys[i]
		s.byRef[keyRef{k.id, k.alg}] = k
		s.kids[k.id] = true
		if count[k.alg] == 1 {
			s.solo[k.alg] = k
		}
	}
	return s, dup
}

// lookup finds the key for a token's kid and alg. A key without kid serves
// tokens of its algorithm whatever their kid, when no key has that kid;
// a token without kid needs the only key of its algorithm. unknown is true
// when kid names no key of the set at all, so that a fresher set may help.
func (s *keySet) lookup(kid, alg string) (k *Key, unknown bool, err error) {
	if kid == "" {
		if k := s.solo[alg]; k != nil {
			return k, false, nil
		}
		return nil, false, invalid("token without kid and no single key for its algorithm")
	}
	if k := s.byRef[keyRef{kid, alg}]; k != nil {
		return k, false, nil
	}
	if s.kids[kid] {
		return nil, false, invalid("token algorithm does not match its key")
	}
	if k := s.byRef[keyRef{"", alg}]; k != nil {
		return k, false, nil
	}
	return nil, true, invalid("token signed by an unknown key")
}

// keySource provides the keys a verifier uses. Implementations are safe for
// concurrent use.
type keySource interface {
	// find returns the key for a token's kid and alg, and the set it is in.
	find(ctx context.Context, kid, alg string) (*Key, *keySet, error)
	// current returns the set in force, or nil; cached verifications made
	// with another set are done again.
	current() *keySet
}

// staticKeys is a fixed key set.
type staticKeys struct{ set *keySet }

func (s staticKeys) find(_ context.Context, kid, alg string) (*Key, *keySet, error) {
	k, _, err := s.set.lookup(kid, alg)
	return k, s.set, err
}

func (s staticKeys) current() *keySet { return s.set }

// unavailable returns an error wrapping customs.ErrUnavailable and cause.
func unavailable(what string, cause error) error {
	return fmt.Errorf("jwt: %s unavailable: %w: %w", what, customs.ErrUnavailable, cause)
}
