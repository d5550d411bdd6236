package customs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
)

// ConnectInterceptor returns a connect-go interceptor that applies the rules
// to unary and streaming handlers. Pass it to a handler constructor with
// connect.WithInterceptors. Client-side calls go through untouched.
func (c *Customs) ConnectInterceptor() connect.Interceptor {
	c.connectInterceptors.Add(1)
	return connectInterceptor{c: c}
}

type connectInterceptor struct{ c *Customs }

func (i connectInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		msg, _ := req.Any().(proto.Message)
		p := req.Peer()
		call := Call{
			procedure: req.Spec().Procedure,
			protocol:  protocolNamed(p.Protocol),
			header:    Header{http: req.Header()},
			peerAddr:  p.Addr,
			msg:       msg,
		}
		next2, _, err := i.c.authenticate(ctx, &call)
		if err != nil {
			if info, ok := connect.CallInfoForHandlerContext(ctx); ok {
				addChallenges(info.ResponseHeader(), err)
			}
			return nil, connectError(err)
		}
		return next(next2, req)
	}
}

func (i connectInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i connectInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		p := conn.Peer()
		call := Call{
			procedure: conn.Spec().Procedure,
			protocol:  protocolNamed(p.Protocol),
			stream:    true,
			header:    Header{http: conn.RequestHeader()},
			peerAddr:  p.Addr,
		}
		next2, idc, err := i.c.authenticate(ctx, &call)
		switch {
		case err != nil:
			addChallenges(conn.ResponseHeader(), err)
			return connectError(err)
		case !i.c.expiring(idc):
			return next(next2, conn)
		}
		next2, cancel := context.WithDeadlineCause(next2, idc.id.Expiry, ErrCredentialsExpired)
		defer cancel()
		err = next(next2, &expiringConn{StreamingHandlerConn: conn, ctx: next2, idc: idc})
		if exp := expired(idc); exp != nil {
			return connectError(exp)
		}
		return err
	}
}

// expiringConn refuses to carry messages once the credentials expire.
type expiringConn struct {
	connect.StreamingHandlerConn
	ctx context.Context // ends when the credentials expire
	idc *identityContext
}

func (c *expiringConn) Send(m any) error {
	if err := expired(c.idc); err != nil {
		return connectError(err)
	}
	return c.StreamingHandlerConn.Send(m)
}

func (c *expiringConn) Receive(m any) error {
	err := receiveBefore(c.ctx, c.idc, m, c.StreamingHandlerConn.Receive)
	if _, ok := err.(*refusal); ok {
		return connectError(err)
	}
	return err
}

// connectError turns a refusal into a Connect error with a fixed message.
func connectError(err error) *connect.Error {
	info := kindInfo[classify(err)]
	return connect.NewError(info.connect, errors.New(info.message))
}

// addChallenges puts a refusal's challenges in the response headers. They
// cannot go in the error's metadata: the gRPC protocols send that as HTTP
// trailers, where net/http drops WWW-Authenticate.
func addChallenges(h http.Header, err error) {
	for _, ch := range challenges(err) {
		h.Add("Www-Authenticate", ch)
	}
}

func protocolNamed(name string) Protocol {
	switch name {
	case connect.ProtocolGRPC:
		return ProtocolGRPC
	case connect.ProtocolGRPCWeb:
		return ProtocolGRPCWeb
	case connect.ProtocolConnect:
		return ProtocolConnect
	default:
		return ProtocolUnknown
	}
}

// Middleware returns an http.Handler that applies the rules to Connect,
// gRPC and gRPC-Web requests before next reads a byte of the body, so an
// unauthenticated caller never costs a decode. Refusals are written in the
// request's own protocol, with WWW-Authenticate challenges.
//
// Strategies that read the request message ([MessageStrategy]) cannot run
// here: Middleware leaves calls whose rule has one wholly to the
// [Customs.ConnectInterceptor], which must then be on every handler behind
// it that such a rule covers. As a guard, if this Customs has made no
// Connect interceptor at all, such calls are refused with Internal rather
// than let through.
//
// Every request is treated as an RPC: a path that is not a procedure, or
// that no rule covers, is refused.
func (c *Customs) Middleware(next http.Handler) http.Handler {
	ew := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protocol, stream := classifyRequest(r)
		call := Call{
			procedure: r.URL.Path,
			protocol:  protocol,
			stream:    stream,
			header:    Header{http: r.Header},
			peerAddr:  r.RemoteAddr,
		}
		if _, ok := c.decided(r.Context(), call.procedure); ok {
			next.ServeHTTP(w, r)
			return
		}
		start := c.now()
		rule := c.rules.resolve(call.procedure)
		var ctx context.Context
		var idc *identityContext
		var err error
		switch {
		case rule != nil && !rule.headerOnly && c.connectInterceptors.Load() > 0:
			// The interceptor runs every strategy of the rule, once, and
			// reports.
			next.ServeHTTP(w, r)
			return
		case rule != nil && !rule.headerOnly:
			err = &refusal{cause: fmt.Errorf("%w: rule %q has a message strategy but no Connect interceptor was made",
				ErrInternal, rule.pattern)}
		default:
			ctx, idc, err = c.decide(r.Context(), rule, &call)
		}
		c.report(r.Context(), &call, rule, idc, err, start)
		switch {
		case err != nil:
			writeRefusal(w, r, ew, err)
		case idc == nil:
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r.WithContext(ctx))
		}
	})
}

func writeRefusal(w http.ResponseWriter, r *http.Request, ew *connect.ErrorWriter, err error) {
	info := kindInfo[classify(err)]
	addChallenges(w.Header(), err)
	if !ew.IsSupported(r) {
		http.Error(w, info.message, HTTPStatus(err))
		return
	}
	_ = ew.Write(w, r, connect.NewError(info.connect, errors.New(info.message)))
}

// classifyRequest tells the protocol of an HTTP request from its content
// type, and whether it is a Connect stream.
func classifyRequest(r *http.Request) (Protocol, bool) {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/grpc-web"):
		return ProtocolGRPCWeb, false
	case strings.HasPrefix(ct, "application/grpc"):
		return ProtocolGRPC, false
	case strings.HasPrefix(ct, "application/connect+"):
		return ProtocolConnect, true
	default:
		return ProtocolConnect, false
	}
}
