package customs

import (
	"errors"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"
)

// Sentinel errors. Strategies and application callbacks return them, wrapped
// with %w to keep the cause, and Customs maps them to gRPC and Connect codes
// in one place ([GRPCCode], [ConnectCode]). Callers branch on them with
// errors.Is.
var (
	// ErrNoCredentials means a strategy found no credentials of its kind in
	// the call. The next strategy of the rule is tried; when every strategy
	// finds none, the call is Unauthenticated.
	ErrNoCredentials = errors.New("customs: no credentials")

	// ErrMalformedCredentials means credentials were present but broken:
	// several Authorization values, an oversized value, bad syntax.
	ErrMalformedCredentials = errors.New("customs: malformed credentials")

	// ErrInvalidCredentials means credentials were well formed but wrong:
	// unknown user, wrong password, bad signature, expired token.
	ErrInvalidCredentials = errors.New("customs: invalid credentials")

	// ErrPermissionDenied means the caller is authenticated but not allowed.
	ErrPermissionDenied = errors.New("customs: permission denied")

	// ErrInsufficientScope means the caller's credentials lack a scope that
	// the method's rule requires. It is a kind of ErrPermissionDenied.
	ErrInsufficientScope error = &kindOf{"customs: insufficient scope", ErrPermissionDenied}

	// ErrNoRule means no rule covers the called method, which is therefore
	// denied (fail closed). It is a kind of ErrPermissionDenied.
	ErrNoRule error = &kindOf{"customs: no rule covers the method", ErrPermissionDenied}

	// ErrTooManyAttempts means the caller failed too often and is being
	// throttled.
	ErrTooManyAttempts = errors.New("customs: too many failed attempts")

	// ErrUnavailable means an identity provider or key set needed to decide
	// could not be reached.
	ErrUnavailable = errors.New("customs: identity provider unavailable")

	// ErrCredentialsExpired means the credentials that opened a stream have
	// expired while the stream was running. It is a kind of
	// ErrInvalidCredentials.
	ErrCredentialsExpired error = &kindOf{"customs: credentials expired", ErrInvalidCredentials}

	// ErrInternal means a strategy or an application callback panicked or
	// broke its contract.
	ErrInternal = errors.New("customs: internal error")

	// ErrConfig is wrapped by every configuration error that [New] and
	// [Customs.Check] return.
	ErrConfig = errors.New("customs: invalid configuration")

	// ErrUncovered is wrapped by the error [Customs.Check] returns when some
	// methods are not covered by any rule.
	ErrUncovered = errors.New("customs: methods not covered by any rule")
)

// kindOf is a sentinel that is a kind of another: errors.Is matches both.
type kindOf struct {
	msg    string
	parent error
}

func (e *kindOf) Error() string { return e.msg }
func (e *kindOf) Unwrap() error { return e.parent }

// kind is the class of an authentication failure, in increasing severity.
// When every strategy of a rule fails, the most severe failure decides the
// code of the call.
type kind uint8

const (
	kindUnauthenticated kind = iota
	kindPermissionDenied
	kindResourceExhausted
	kindUnavailable
	kindInternal
)

// classify maps any error to its kind. Errors that Customs does not know are
// Unauthenticated: they most often come from a validate callback rejecting
// credentials, and a generic refusal leaks nothing.
func classify(err error) kind {
	switch {
	case errors.Is(err, ErrInternal):
		return kindInternal
	case errors.Is(err, ErrUnavailable):
		return kindUnavailable
	case errors.Is(err, ErrTooManyAttempts):
		return kindResourceExhausted
	case errors.Is(err, ErrPermissionDenied),
		errors.Is(err, ErrInsufficientScope),
		errors.Is(err, ErrNoRule):
		return kindPermissionDenied
	default:
		return kindUnauthenticated
	}
}

// The fixed messages callers see. The cause goes to the operator's logger or
// event hook, never to the caller.
var kindInfo = [...]struct {
	grpc    codes.Code
	connect connect.Code
	message string
}{
	kindUnauthenticated:   {codes.Unauthenticated, connect.CodeUnauthenticated, "unauthenticated"},
	kindPermissionDenied:  {codes.PermissionDenied, connect.CodePermissionDenied, "permission denied"},
	kindResourceExhausted: {codes.ResourceExhausted, connect.CodeResourceExhausted, "too many failed attempts"},
	kindUnavailable:       {codes.Unavailable, connect.CodeUnavailable, "authentication unavailable"},
	kindInternal:          {codes.Internal, connect.CodeInternal, "internal error"},
}

// GRPCCode returns the gRPC status code for an authentication error, using
// the same mapping as the interceptors. It returns codes.OK for nil.
func GRPCCode(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	return kindInfo[classify(err)].grpc
}

// ConnectCode returns the Connect code for an authentication error, using
// the same mapping as the interceptors. It returns 0 for nil.
func ConnectCode(err error) connect.Code {
	if err == nil {
		return 0
	}
	return kindInfo[classify(err)].connect
}

// HTTPStatus returns the HTTP status for an authentication error, as Connect
// maps the error's code: 401, 403, 429, 503 or 500. It returns 200 for nil.
func HTTPStatus(err error) int {
	switch ConnectCode(err) {
	case 0:
		return http.StatusOK
	case connect.CodeUnauthenticated:
		return http.StatusUnauthorized
	case connect.CodePermissionDenied:
		return http.StatusForbidden
	case connect.CodeResourceExhausted:
		return http.StatusTooManyRequests
	case connect.CodeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Challenge attaches a WWW-Authenticate challenge to err, so that a strategy
// can tell the client what it needs (RFC 6750 insufficient_scope, say). The
// challenge is sent to the caller: it must hold no secret.
func Challenge(err error, challenge string) error {
	return &challengeError{err: err, challenge: challenge}
}

type challengeError struct {
	err       error
	challenge string
}

func (e *challengeError) Error() string { return e.err.Error() }
func (e *challengeError) Unwrap() error { return e.err }

// challengeOf returns the challenge attached to err with [Challenge].
func challengeOf(err error) (string, bool) {
	var ce *challengeError
	if errors.As(err, &ce) {
		return ce.challenge, true
	}
	return "", false
}
