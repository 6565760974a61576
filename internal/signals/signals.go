// Package signals keeps the supervisor's one signal registration for its
// whole life: the first terminating signal asks for a stop, a second one
// escalates, and the others are forwarded to the children.
package signals

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
)

// Terminating are the signals that stop the supervisor.
var terminating = map[os.Signal]bool{syscall.SIGTERM: true, syscall.SIGINT: true, syscall.SIGQUIT: true}

// forwarded are passed on to every child's process group.
var forwarded = []os.Signal{syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

// Handler turns signals into actions. Its zero value is not usable: use Watch.
type Handler struct {
	stop chan os.Signal
}

// Actions are what a Handler does besides requesting a stop.
type Actions struct {
	// Escalate is called for every terminating signal after the first.
	Escalate func(os.Signal)
	// Forward is called for SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH.
	Forward func(syscall.Signal)
}

// Watch registers for signals and handles them until ctx ends. The
// registration is never dropped while the process lives: a handler that
// stopped listening would leave a later SIGTERM to the Go runtime, which
// exits at once and, as PID 1, takes every child down uncleanly.
func Watch(ctx context.Context, log hclog.Logger, act Actions) *Handler {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, append([]os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT}, forwarded...)...)
	h := &Handler{stop: make(chan os.Signal, 1)}
	go func() {
		requested := false
		for {
			select {
			case <-ctx.Done():
				return
			case sig := <-ch:
				switch {
				case terminating[sig] && !requested:
					requested = true
					log.Info("stop requested", "signal", sig)
					h.stop <- sig
				case terminating[sig]:
					log.Warn("stop escalated: killing what still runs", "signal", sig)
					act.Escalate(sig)
				default:
					log.Debug("forwarding", "signal", sig)
					act.Forward(sig.(syscall.Signal))
				}
			}
		}
	}()
	return h
}

// Stop delivers the first terminating signal.
func (h *Handler) Stop() <-chan os.Signal { return h.stop }
