package testserver

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
)

// Unary answers a unary call with the value of its reply, a
// google.protobuf.StringValue. It must be safe for concurrent use.
type Unary func(ctx context.Context, in proto.Message) (string, error)

// Stream answers a server stream: it calls send with the value of each
// reply, and returns when it is done or send fails. It must be safe for
// concurrent use.
type Stream func(ctx context.Context, in proto.Message, send func(string) error) error

// Method is one method of a [Service]: unary when Unary is set, a server
// stream when Stream is.
type Method struct {
	// Name is the method's short name, such as "Echo".
	Name string
	// Request is the type of its request, built at run time with dynamicpb;
	// nil means google.protobuf.StringValue.
	Request protoreflect.MessageDescriptor
	Unary   Unary
	Stream  Stream
}

// Service is a service written by hand, so that tests need no generated
// code. Both stacks serve it: [NewGRPCServer] and [NewConnectHandler].
type Service struct {
	// Name is the service's full name, such as "test.v1.Echo".
	Name    string
	Methods []Method
}

// procedure returns the procedure of m, such as "/test.v1.Echo/Echo".
func (s Service) procedure(m Method) string {
	return "/" + s.Name + "/" + m.Name
}

// newRequest returns an empty request of m's type.
func (m Method) newRequest() proto.Message {
	if m.Request == nil {
		return new(wrapperspb.StringValue)
	}
	return dynamicpb.NewMessage(m.Request)
}

// Desc returns the grpc-go description of s, for a server that
// [NewGRPCServer] does not build.
func (s Service) Desc() *grpc.ServiceDesc {
	d := &grpc.ServiceDesc{ServiceName: s.Name, HandlerType: (*any)(nil)}
	for _, m := range s.Methods {
		if m.Stream != nil {
			d.Streams = append(d.Streams, grpcStream(m))
			continue
		}
		d.Methods = append(d.Methods, grpcUnary(s.procedure(m), m))
	}
	return d
}

// grpcUnary describes the unary method m for grpc-go.
func grpcUnary(procedure string, m Method) grpc.MethodDesc {
	handler := func(ctx context.Context, req any) (any, error) {
		in, _ := req.(proto.Message)
		out, err := m.Unary(ctx, in)
		if err != nil {
			return nil, err
		}
		return wrapperspb.String(out), nil
	}
	return grpc.MethodDesc{
		MethodName: m.Name,
		Handler: func(_ any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := m.newRequest()
			if err := dec(in); err != nil {
				return nil, err
			}
			if ic == nil {
				return handler(ctx, in)
			}
			return ic(ctx, in, &grpc.UnaryServerInfo{FullMethod: procedure}, handler)
		},
	}
}

// grpcStream describes the server stream m for grpc-go.
func grpcStream(m Method) grpc.StreamDesc {
	return grpc.StreamDesc{
		StreamName:    m.Name,
		ServerStreams: true,
		Handler: func(_ any, ss grpc.ServerStream) error {
			in := m.newRequest()
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			send := func(v string) error { return ss.SendMsg(wrapperspb.String(v)) }
			return m.Stream(ss.Context(), in, send)
		},
	}
}

// NewGRPCServer returns a grpc-go server, not yet started, with the
// services registered behind c's interceptors, or none when c is nil.
func NewGRPCServer(c *customs.Customs, services ...Service) *grpc.Server {
	var opts []grpc.ServerOption
	if c != nil {
		opts = append(opts,
			grpc.ChainUnaryInterceptor(c.UnaryServerInterceptor()),
			grpc.ChainStreamInterceptor(c.StreamServerInterceptor()),
		)
	}
	srv := grpc.NewServer(opts...)
	for _, s := range services {
		srv.RegisterService(s.Desc(), nil)
	}
	return srv
}

// NewConnectHandler returns a mux that serves the services over the
// Connect, gRPC and gRPC-Web protocols, behind c's interceptor, or none
// when c is nil.
func NewConnectHandler(c *customs.Customs, services ...Service) *http.ServeMux {
	var opts []connect.HandlerOption
	if c != nil {
		opts = append(opts, connect.WithInterceptors(c.ConnectInterceptor()))
	}
	mux := http.NewServeMux()
	for _, s := range services {
		for _, m := range s.Methods {
			mux.Handle(s.procedure(m), connectHandler(s.procedure(m), m, opts))
		}
	}
	return mux
}

// connectHandler returns the Connect handler of m.
func connectHandler(procedure string, m Method, opts []connect.HandlerOption) http.Handler {
	if m.Request == nil {
		return connectMethod[wrapperspb.StringValue](procedure, m, opts)
	}
	// New requests are typeless dynamic messages until given their type.
	opts = append(slices.Clip(opts), connect.WithRequestInitializer(func(_ connect.Spec, msg any) error {
		*msg.(*dynamicpb.Message) = *dynamicpb.NewMessage(m.Request)
		return nil
	}))
	return connectMethod[dynamicpb.Message](procedure, m, opts)
}

// connectMethod builds the Connect handler of m, whose requests are of type
// Req.
func connectMethod[Req any, PReq interface {
	*Req
	proto.Message
}](procedure string, m Method, opts []connect.HandlerOption) http.Handler {
	if m.Stream != nil {
		return connect.NewServerStreamHandler(procedure, func(
			ctx context.Context,
			req *connect.Request[Req],
			s *connect.ServerStream[wrapperspb.StringValue],
		) error {
			return m.Stream(ctx, PReq(req.Msg), func(v string) error { return s.Send(wrapperspb.String(v)) })
		}, opts...)
	}
	return connect.NewUnaryHandler(procedure, func(
		ctx context.Context,
		req *connect.Request[Req],
	) (*connect.Response[wrapperspb.StringValue], error) {
		out, err := m.Unary(ctx, PReq(req.Msg))
		if err != nil {
			return nil, err
		}
		return connect.NewResponse(wrapperspb.String(out)), nil
	}, opts...)
}

// WhoAmI returns a [Unary] that answers with who called: the name of the
// user of type U in the context and the strategy that authenticated it, as
// in "alice via basic". It fails when the context holds no user of type U.
func WhoAmI[U any](name func(U) string) Unary {
	return func(ctx context.Context, _ proto.Message) (string, error) {
		u, ok := customs.UserFrom[U](ctx)
		id, _ := customs.IdentityFrom(ctx)
		if !ok {
			return "", errors.New("handler: no typed user in the context")
		}
		return name(u) + " via " + id.Strategy, nil
	}
}

// Repeat returns a [Stream] that sends the reply of u n times, or fails
// as u does.
func Repeat(u Unary, n int) Stream {
	return func(ctx context.Context, in proto.Message, send func(string) error) error {
		out, err := u(ctx, in)
		for i := 0; err == nil && i < n; i++ {
			err = send(out)
		}
		return err
	}
}
