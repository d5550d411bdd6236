package customs_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
)

func TestCheckGRPCServer(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)
	s := newGRPCServer(c)
	healthpb.RegisterHealthServer(s, health.NewServer())
	err := c.Check(customs.GRPCMethods(s))
	var ce *customs.CoverageError
	if !errors.As(err, &ce) || !errors.Is(err, customs.ErrUncovered) {
		t.Fatalf("Check = %v, want a CoverageError", err)
	}
	want := []string{
		"/grpc.health.v1.Health/Check",
		"/grpc.health.v1.Health/List",
		"/grpc.health.v1.Health/Watch",
		"/other.v1.Uncovered/Get",
	}
	if !slices.Equal(ce.Uncovered, want) || len(ce.Misfit) != 0 {
		t.Fatalf("uncovered = %q, misfit = %q; want %q", ce.Uncovered, ce.Misfit, want)
	}
	if errors.Is(err, customs.ErrConfig) {
		t.Fatal("uncovered methods reported as a configuration error")
	}
	if got := err.Error(); got != "customs: no rule covers "+strings.Join(want, ", ") {
		t.Fatalf("message = %q", got)
	}
}

func TestCheckPassesWhenEverythingIsCovered(t *testing.T) {
	t.Parallel()
	c, err := customs.New(
		customs.WithStrategies(newTokenStrategy()),
		customs.WithRules(append(testRules(), customs.Protect("other.v1.Uncovered", "token"), customs.Open(customs.HealthService))...),
	)
	if err != nil {
		t.Fatal(err)
	}
	s := newGRPCServer(c)
	healthpb.RegisterHealthServer(s, health.NewServer())
	if err := c.Check(customs.GRPCMethods(s)); err != nil {
		t.Fatalf("Check = %v", err)
	}
}

func TestGRPCMethodsListsStreams(t *testing.T) {
	t.Parallel()
	s := testserver.NewGRPCServer(nil, echoService)
	got := customs.GRPCMethods(s)
	want := []customs.Method{
		{Procedure: "/test.v1.Echo/Admin"},
		{Procedure: "/test.v1.Echo/Count", Stream: true},
		{Procedure: "/test.v1.Echo/Echo"},
		{Procedure: "/test.v1.Echo/Ping"},
		{Procedure: "/test.v1.Echo/Watch", Stream: true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("GRPCMethods = %v, want %v", got, want)
	}
}

func TestConnectMethodsFromHandlerPaths(t *testing.T) {
	t.Parallel()
	got, err := customs.ConnectMethods("/grpc.health.v1.Health/")
	if err != nil {
		t.Fatal(err)
	}
	want := []customs.Method{
		{Procedure: "/grpc.health.v1.Health/Check"},
		{Procedure: "/grpc.health.v1.Health/List"},
		{Procedure: "/grpc.health.v1.Health/Watch", Stream: true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ConnectMethods = %v, want %v", got, want)
	}
	if _, err := customs.ConnectMethods("/no.such.Service/"); err == nil {
		t.Fatal("ConnectMethods accepted an unknown service")
	}
	c := newTestCustoms(t)
	if err := c.Check(got); !errors.Is(err, customs.ErrUncovered) {
		t.Fatalf("Check(health) = %v, want uncovered", err)
	}
}

// messageStrategy stands for Local: it reads the request message.
type messageStrategy struct{ customs.Strategy }

func (messageStrategy) ReadsMessage() {}

func TestCheckReportsMessageStrategiesOnStreams(t *testing.T) {
	t.Parallel()
	c, err := customs.New(
		customs.WithStrategies(newTokenStrategy(), messageStrategy{customs.StrategyFunc("form", nil)}),
		customs.WithRules(customs.Protect("test.v1.Echo", "form", "token")),
	)
	if err != nil {
		t.Fatal(err)
	}
	s := testserver.NewGRPCServer(nil, echoService)
	err = c.Check(customs.GRPCMethods(s))
	var ce *customs.CoverageError
	if !errors.As(err, &ce) || !errors.Is(err, customs.ErrConfig) || errors.Is(err, customs.ErrUncovered) {
		t.Fatalf("Check = %v, want a configuration error", err)
	}
	if want := []string{"/test.v1.Echo/Count", "/test.v1.Echo/Watch"}; !slices.Equal(ce.Misfit, want) {
		t.Fatalf("misfit = %q, want %q", ce.Misfit, want)
	}
}

func TestConnectMethodsKnowsHealthAndReflection(t *testing.T) {
	t.Parallel()
	got, err := customs.ConnectMethods(customs.ReflectionService, "/"+customs.ReflectionServiceV1Alpha+"/")
	if err != nil {
		t.Fatal(err)
	}
	want := []customs.Method{
		{Procedure: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Stream: true},
		{Procedure: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", Stream: true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ConnectMethods = %v, want %v", got, want)
	}
}
