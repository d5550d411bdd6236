package customs

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// UnaryServerInterceptor returns a grpc-go unary interceptor that applies
// the rules to every call and runs the handler with the authenticated
// identity in its context. It can be chained with
// grpc.ChainUnaryInterceptor.
func (c *Customs) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		msg, _ := req.(proto.Message)
		call := Call{
			procedure: info.FullMethod,
			protocol:  ProtocolGRPC,
			header:    Header{ctx: ctx},
			msg:       msg,
		}
		next, _, err := c.authenticate(ctx, &call)
		if err != nil {
			return nil, grpcError(ctx, err)
		}
		return handler(next, req)
	}
}

// StreamServerInterceptor returns a grpc-go stream interceptor that applies
// the rules when a stream starts. The handler's stream carries the identity
// in its Context. Unless [WithoutStreamExpiry] is given, a stream whose
// credentials expire ends with Unauthenticated: its Context ends, and
// SendMsg and RecvMsg (even one already waiting) fail. It can be chained with
// grpc.ChainStreamInterceptor.
func (c *Customs) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := ss.Context()
		call := Call{
			procedure: info.FullMethod,
			protocol:  ProtocolGRPC,
			stream:    true,
			header:    Header{ctx: ctx},
		}
		next, idc, err := c.authenticate(ctx, &call)
		switch {
		case err != nil:
			return grpcError(ctx, err)
		case idc == nil:
			return handler(srv, ss)
		case !c.expiring(idc):
			return handler(srv, &serverStream{ServerStream: ss, ctx: next})
		}
		next, cancel := context.WithDeadlineCause(next, idc.id.Expiry, ErrCredentialsExpired)
		defer cancel()
		err = handler(srv, &serverStream{ServerStream: ss, ctx: next, idc: idc})
		if exp := expired(idc); exp != nil {
			return grpcError(ctx, exp)
		}
		return err
	}
}

// serverStream is a grpc.ServerStream with the identity in its context.
// With idc set, it refuses to carry messages once the credentials expire.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
	idc *identityContext
}

func (s *serverStream) Context() context.Context { return s.ctx }

func (s *serverStream) SendMsg(m any) error {
	if s.idc != nil {
		if err := expired(s.idc); err != nil {
			return grpcError(s.ServerStream.Context(), err)
		}
	}
	return s.ServerStream.SendMsg(m)
}

func (s *serverStream) RecvMsg(m any) error {
	if s.idc == nil {
		return s.ServerStream.RecvMsg(m)
	}
	err := receiveBefore(s.ctx, s.idc, m, s.ServerStream.RecvMsg)
	if _, ok := err.(*refusal); ok {
		return grpcError(s.ServerStream.Context(), err)
	}
	return err
}

// grpcError turns a refusal into a status with a fixed message, and sends
// the challenges in the www-authenticate trailer.
func grpcError(ctx context.Context, err error) error {
	info := kindInfo[classify(err)]
	if ch := challenges(err); len(ch) > 0 {
		// Fails only outside a grpc-go server, where there is no trailer.
		_ = grpc.SetTrailer(ctx, metadata.MD{"www-authenticate": ch})
	}
	return status.Error(info.grpc, info.message)
}
