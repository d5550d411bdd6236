package password_test

import (
	"errors"
	"fmt"

	"github.com/customs-go/customs/password"
)

func ExampleHasher() {
	hasher, err := password.NewHasher() // OWASP parameters
	if err != nil {
		fmt.Println(err)
		return
	}
	encoded, err := hasher.Hash("correct horse battery staple")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("right password:", hasher.Verify(encoded, "correct horse battery staple") == nil)
	err = hasher.Verify(encoded, "Tr0ub4dor&3")
	fmt.Println("wrong password:", errors.Is(err, password.ErrMismatch))
	fmt.Println("needs rehash:", hasher.NeedsRehash(encoded))
	// Output:
	// right password: true
	// wrong password: true
	// needs rehash: false
}

// users stands in for a user store: name to stored hash.
type users map[string]string

// validate is what a Basic or Local strategy's validate callback does with
// the credentials it receives.
func validate(hasher *password.Hasher, store users, name, pw string) error {
	encoded, ok := store[name]
	if !ok {
		return hasher.VerifyMissing(pw) // same cost as a wrong password
	}
	if err := hasher.Verify(encoded, pw); err != nil {
		return err
	}
	if hasher.NeedsRehash(encoded) {
		if fresh, err := hasher.Hash(pw); err == nil {
			store[name] = fresh
		}
	}
	return nil
}

func ExampleHasher_VerifyMissing() {
	hasher, err := password.NewHasher()
	if err != nil {
		fmt.Println(err)
		return
	}
	encoded, err := hasher.Hash("s3cret-passphrase")
	if err != nil {
		fmt.Println(err)
		return
	}
	store := users{"alice": encoded}
	for _, name := range []string{"alice", "mallory"} {
		err := validate(hasher, store, name, "s3cret-passphrase")
		fmt.Printf("%s: ok=%v mismatch=%v\n", name, err == nil, errors.Is(err, password.ErrMismatch))
	}
	// Output:
	// alice: ok=true mismatch=false
	// mallory: ok=false mismatch=true
}
