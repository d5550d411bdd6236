package customs

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"
)

// MaxAuthorizationSize is the largest Authorization value Customs parses, in
// bytes. A longer value is rejected before any parsing.
const MaxAuthorizationSize = 8 << 10

// Protocol is the wire protocol of a call.
type Protocol uint8

// The protocols Customs serves.
const (
	ProtocolUnknown Protocol = iota
	ProtocolGRPC             // gRPC over grpc-go, or gRPC through connect-go
	ProtocolGRPCWeb          // gRPC-Web through connect-go
	ProtocolConnect          // the Connect protocol
)

// String returns the protocol's name as connect-go spells it.
func (p Protocol) String() string {
	switch p {
	case ProtocolGRPC:
		return "grpc"
	case ProtocolGRPCWeb:
		return "grpcweb"
	case ProtocolConnect:
		return "connect"
	default:
		return "unknown"
	}
}

// Header is a read-only view of a call's request headers: gRPC metadata or
// HTTP headers. Keys are case-insensitive. The zero Header is empty.
type Header struct {
	ctx  context.Context // gRPC: incoming metadata, read on demand
	http http.Header
}

// values returns the values of key without copying where it can. Callers
// inside this package must not modify the result.
func (h Header) values(key string) []string {
	switch {
	case h.http != nil:
		if v, ok := h.http[key]; ok {
			return v
		}
		return h.http[textproto.CanonicalMIMEHeaderKey(key)]
	case h.ctx != nil:
		return metadata.ValueFromIncomingContext(h.ctx, lower(key))
	default:
		return nil
	}
}

// lower returns key in lower case, without allocating when it already is.
func lower(key string) string {
	for i := 0; i < len(key); i++ {
		if 'A' <= key[i] && key[i] <= 'Z' {
			return strings.ToLower(key)
		}
	}
	return key
}

// Get returns the first value of key, or "" when there is none.
func (h Header) Get(key string) string {
	if v := h.values(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns a copy of every value of key.
func (h Header) Values(key string) []string {
	v := h.values(key)
	if len(v) == 0 {
		return nil
	}
	return append([]string(nil), v...)
}

// Authorization returns the scheme and credentials of the call's
// Authorization value (RFC 9110 section 11.6.2), in the token68 form that
// Basic (RFC 7617) and Bearer (RFC 6750) use.
//
// It returns an error wrapping [ErrNoCredentials] when there is no
// Authorization value, and one wrapping [ErrMalformedCredentials] when there
// are several, when the value is longer than [MaxAuthorizationSize], or when
// it is not of the form `scheme 1*SP token68`. The scheme keeps the caller's
// case: compare it with strings.EqualFold. Errors never quote the value.
func (h Header) Authorization() (scheme, credentials string, err error) {
	key := "Authorization"
	if h.http == nil {
		key = "authorization" // gRPC metadata keys are lower case
	}
	v := h.values(key)
	switch len(v) {
	case 0:
		return "", "", ErrNoCredentials
	case 1:
		return ParseAuthorization(v[0])
	default:
		return "", "", fmt.Errorf("%w: %d authorization values", ErrMalformedCredentials, len(v))
	}
}

// ParseAuthorization parses one Authorization value of the form
// `scheme 1*SP token68`, with optional white space around it. The size cap
// is checked first. See [Header.Authorization].
func ParseAuthorization(value string) (scheme, credentials string, err error) {
	if len(value) > MaxAuthorizationSize {
		return "", "", fmt.Errorf("%w: authorization value of %d bytes", ErrMalformedCredentials, len(value))
	}
	value = strings.Trim(value, " \t")
	if value == "" {
		return "", "", ErrNoCredentials
	}
	i := 0
	for i < len(value) && isTokenChar(value[i]) {
		i++
	}
	if i == 0 {
		return "", "", fmt.Errorf("%w: bad authorization scheme", ErrMalformedCredentials)
	}
	scheme, rest := value[:i], value[i:]
	if rest == "" {
		return "", "", fmt.Errorf("%w: authorization without credentials", ErrMalformedCredentials)
	}
	if rest[0] != ' ' {
		return "", "", fmt.Errorf("%w: bad authorization scheme", ErrMalformedCredentials)
	}
	credentials = strings.TrimLeft(rest, " ")
	if !isToken68(credentials) {
		return "", "", fmt.Errorf("%w: credentials are not token68", ErrMalformedCredentials)
	}
	return scheme, credentials, nil
}

// charClass classifies bytes for the Authorization parser: bit 1 marks the
// tchar of RFC 9110 section 5.6.2, bit 2 the token68 characters of section
// 11.2. A table lookup per byte keeps long bearer tokens cheap to check.
const charClass = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x01\x00\x01\x01\x01\x01\x01\x00\x00\x01\x03\x00\x03\x03\x02" +
	"\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x00\x00\x00\x00\x00\x00" +
	"\x00\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03" +
	"\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x00\x00\x00\x01\x03" +
	"\x01\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03" +
	"\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x00\x01\x00\x03\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

const (
	classTchar   = 1
	classToken68 = 2
)

// isTokenChar reports whether c is a tchar.
func isTokenChar(c byte) bool { return charClass[c]&classTchar != 0 }

// isToken68 reports whether s is a token68 of RFC 9110 section 11.2:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isToken68(s string) bool {
	i := 0
	for i < len(s) && isToken68Char(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return i == len(s)
}

// isToken68Char reports whether c may stand in a token68 before its padding.
func isToken68Char(c byte) bool { return charClass[c]&classToken68 != 0 }

// Call is a read-only view of one incoming call, as a [Strategy] sees it.
// It is the same whether the call came through grpc-go or connect-go.
type Call struct {
	procedure string
	protocol  Protocol
	stream    bool
	header    Header
	peerAddr  string // Connect and HTTP; gRPC reads the peer from the header's context
	msg       proto.Message
}

// Procedure returns the full method name, like
// "/acme.billing.v1.Billing/GetInvoice".
func (c Call) Procedure() string { return c.procedure }

// Protocol returns the wire protocol of the call.
func (c Call) Protocol() Protocol { return c.protocol }

// IsStream reports whether the call is a client, server or bidirectional
// stream. Streams carry no request message at authentication time. In
// [Customs.Middleware], which sees only HTTP headers, it is true for
// Connect streams and false for gRPC and gRPC-Web calls, whose content type
// does not tell.
func (c Call) IsStream() bool { return c.stream }

// Header returns the request headers or metadata.
func (c Call) Header() Header { return c.header }

// Peer returns the caller's network address, or "" when it is unknown.
func (c Call) Peer() string {
	if c.header.ctx != nil {
		if p, ok := peer.FromContext(c.header.ctx); ok && p.Addr != nil {
			return p.Addr.String()
		}
	}
	return c.peerAddr
}

// Message returns the request message of a unary call, or nil for streams
// and for calls seen by [Customs.Middleware] before the body is read.
// Strategies must not modify it.
func (c Call) Message() proto.Message { return c.msg }

// NewCall returns the Call of a unary Connect call, for tests of strategies
// and for strategies that delegate to others. header and msg may be nil.
func NewCall(procedure string, header http.Header, msg proto.Message) Call {
	return Call{
		procedure: procedure,
		protocol:  ProtocolConnect,
		header:    Header{http: header},
		msg:       msg,
	}
}

// String lists the header's keys; values are left out, since they may be
// credentials.
func (h Header) String() string {
	return "customs.Header" + fmt.Sprint(h.keys())
}

// LogValue lists the header's keys, never their values.
func (h Header) LogValue() slog.Value {
	return slog.AnyValue(h.keys())
}

// keys returns the header's keys, sorted.
func (h Header) keys() []string {
	var keys []string
	switch {
	case h.http != nil:
		for k := range h.http {
			keys = append(keys, k)
		}
	case h.ctx != nil:
		md, _ := metadata.FromIncomingContext(h.ctx)
		for k := range md {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// String describes the call without its credentials.
func (c Call) String() string {
	return fmt.Sprintf("%s %s from %s, header %v", c.protocol, c.procedure, c.Peer(), c.header.keys())
}

// LogValue describes the call without its credentials.
func (c Call) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("procedure", c.procedure),
		slog.String("protocol", c.protocol.String()),
		slog.String("peer", c.Peer()),
		slog.Bool("stream", c.stream),
		slog.Any("header", c.header.keys()),
	)
}

// GoString is String, so that %#v does not print credentials either.
func (c Call) GoString() string { return c.String() }

// GoString is String, so that %#v does not print credentials either.
func (h Header) GoString() string { return h.String() }
