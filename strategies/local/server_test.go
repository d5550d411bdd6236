package local_test

import (
	"net/http"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
)

// The hand-made service of these tests, test.v1.Auth. Every method answers
// with who called.
const (
	authService = "test.v1.Auth"
	loginProc   = "/test.v1.Auth/Login"    // LoginRequest, rule "local"
	altProc     = "/test.v1.Auth/LoginAlt" // AltLoginRequest, rule "alt"
	oddProc     = "/test.v1.Auth/LoginOdd" // OddLoginRequest, rule "local"
	pingProc    = "/test.v1.Auth/Ping"     // google.protobuf.StringValue, rule "local"
	watchProc   = "/test.v1.Auth/Watch"    // LoginRequest, server stream, rule "local"
)

// user is the application's user type.
type user struct{ Name string }

// messages are the request types of test.v1.Auth, built at run time from a
// descriptor made in the test, so that no generated code is needed.
type messages struct {
	login    protoreflect.MessageDescriptor // string username = 1; string password = 2;
	alt      protoreflect.MessageDescriptor // string login = 1; string secret = 2;
	odd      protoreflect.MessageDescriptor // int64 username = 1; string password = 2;
	list     protoreflect.MessageDescriptor // repeated string username = 1; string password = 2;
	nameOnly protoreflect.MessageDescriptor // string username = 1;
}

var buildMessages = sync.OnceValues(func() (messages, error) {
	type fieldProto = descriptorpb.FieldDescriptorProto
	field := func(name string, number int32, typ descriptorpb.FieldDescriptorProto_Type, repeated bool) *fieldProto {
		label := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
		if repeated {
			label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED
		}
		return &fieldProto{
			Name:     proto.String(name),
			JsonName: proto.String(name),
			Number:   proto.Int32(number),
			Type:     typ.Enum(),
			Label:    label.Enum(),
		}
	}
	const str, i64 = descriptorpb.FieldDescriptorProto_TYPE_STRING, descriptorpb.FieldDescriptorProto_TYPE_INT64
	message := func(name string, fields ...*fieldProto) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{Name: proto.String(name), Field: fields}
	}
	file, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    proto.String("test/v1/auth.proto"),
		Package: proto.String("test.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			message("LoginRequest", field("username", 1, str, false), field("password", 2, str, false)),
			message("AltLoginRequest", field("login", 1, str, false), field("secret", 2, str, false)),
			message("OddLoginRequest", field("username", 1, i64, false), field("password", 2, str, false)),
			message("ListLoginRequest", field("username", 1, str, true), field("password", 2, str, false)),
			message("NameOnlyRequest", field("username", 1, str, false)),
		},
	}, nil)
	if err != nil {
		return messages{}, err
	}
	all := file.Messages()
	return messages{all.Get(0), all.Get(1), all.Get(2), all.Get(3), all.Get(4)}, nil
})

// testMessages returns the request types of test.v1.Auth.
func testMessages(tb testing.TB) messages {
	tb.Helper()
	m, err := buildMessages()
	if err != nil {
		tb.Fatalf("building descriptors: %v", err)
	}
	return m
}

// newMessage returns a message of type md with the given fields set.
func newMessage(md protoreflect.MessageDescriptor, fields map[string]any) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	for name, v := range fields {
		fd := md.Fields().ByName(protoreflect.Name(name))
		if list, ok := v.([]string); ok {
			l := m.Mutable(fd).List()
			for _, s := range list {
				l.Append(protoreflect.ValueOfString(s))
			}
			continue
		}
		m.Set(fd, protoreflect.ValueOf(v))
	}
	return m
}

// whoami answers with who called: "alice via local".
var whoami = testserver.WhoAmI(func(u *user) string { return u.Name })

// testService returns test.v1.Auth, for both stacks.
func testService(m messages) testserver.Service {
	return testserver.Service{Name: authService, Methods: []testserver.Method{
		{Name: "Login", Request: m.login, Unary: whoami},
		{Name: "LoginAlt", Request: m.alt, Unary: whoami},
		{Name: "LoginOdd", Request: m.odd, Unary: whoami},
		{Name: "Ping", Unary: whoami},
		{Name: "Watch", Request: m.login, Stream: testserver.Repeat(whoami, 1)}, // answers once
	}}
}

// reply is what a client saw of one call: a code (grpc-go and Connect codes
// share values) and the answer or error message.
type reply struct {
	code    codes.Code
	message string
}

// caller makes one call of procedure with request message in.
type caller func(tb testing.TB, procedure string, in proto.Message) reply

// grpcCaller serves test.v1.Auth behind c's interceptors over bufconn, and
// calls it through grpc-go.
func grpcCaller(tb testing.TB, c *customs.Customs, m messages) caller {
	tb.Helper()
	conn := testserver.StartGRPC(tb, testserver.NewGRPCServer(c, testService(m)), testserver.Bufconn)
	return newCaller(testserver.GRPCClient(conn))
}

// connectCaller calls through a Connect client with the given options.
func connectCaller(hc *http.Client, baseURL string, opts ...connect.ClientOption) caller {
	return newCaller(testserver.ConnectClient(hc, baseURL, opts...))
}

// newCaller calls through client: Watch as a server stream, the other
// procedures as unary calls.
func newCaller(client testserver.Client) caller {
	return func(tb testing.TB, procedure string, in proto.Message) reply {
		tb.Helper()
		call := client.Unary
		if procedure == watchProc {
			call = client.Stream
		}
		res := call(tb.Context(), procedure, in)
		if res.Code != codes.OK {
			return reply{res.Code, res.Message}
		}
		return reply{codes.OK, res.Last()}
	}
}
