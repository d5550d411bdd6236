package demo

import (
	"context"
	"flag"
	"log/slog"
	"net"
	"os"
	"os/signal"
)

// RunFunc serves on lis until ctx ends or, in demo mode, plays the demo
// against it and returns.
type RunFunc func(ctx context.Context, logger *slog.Logger, lis net.Listener, demoMode bool) error

// Main is the main func of an example server: it reads the -addr and
// -demo flags, listens (on a free loopback port with -demo), runs run until
// an interrupt, and exits 1 if run fails.
func Main(name, defaultAddr string, run RunFunc) {
	addr := flag.String("addr", defaultAddr, "address to listen on")
	demoMode := flag.Bool("demo", false,
		"serve on a free loopback port, call the server, print the outcomes and exit")
	flag.Parse()

	level := slog.LevelInfo
	if *demoMode {
		level = slog.LevelWarn // keep the outcomes readable
		*addr = "127.0.0.1:0"
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := listenAndRun(ctx, logger, *addr, *demoMode, run)
	stop()
	if err != nil {
		logger.Error(name, "err", err)
		os.Exit(1)
	}
}

func listenAndRun(ctx context.Context, logger *slog.Logger, addr string, demoMode bool, run RunFunc) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return run(ctx, logger, lis, demoMode)
}
