// Package server runs ZooKeeper and Kafka as supervised children: each
// starts, is waited for until it really serves, and stops on request,
// blocking until it is reaped so that stops happen in order.
package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
)

// errStopping says a start was refused because a stop was requested.
var errStopping = errors.New("stopping")

// supervised is one child and the lock that orders its start and its stop.
type supervised struct {
	reaper *proc.Reaper
	spec   proc.Spec
	grace  time.Duration
	log    hclog.Logger // the supervisor's lines about this child

	mu       sync.Mutex
	child    *proc.Child
	stopping bool
	killed   bool
}

// start starts the child, unless stop came first.
func (s *supervised) start() (*proc.Child, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil, errStopping
	}
	c, err := s.reaper.Start(s.spec)
	if err != nil {
		return nil, err
	}
	s.child = c
	s.log.Info("started", "child", s.spec.Name, "pid", c.Pid())
	return c, nil
}

// stop stops the child, if started, and returns once it is reaped.
func (s *supervised) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return
	}
	s.stopping = true
	if s.child == nil {
		return
	}
	select {
	case <-s.child.Done():
		return // it ended on its own; Run reports it
	default:
	}
	t0 := time.Now()
	s.log.Info("stopping", "child", s.spec.Name, "grace", s.grace)
	s.killed = s.child.Stop(s.grace)
	if s.killed {
		s.log.Warn("killed after grace", "child", s.spec.Name, "grace", s.grace)
	}
	s.log.Info("stopped", "child", s.spec.Name, "status", s.child.Status().String(), "took", since(t0))
}

// isStopping reports whether a stop was requested.
func (s *supervised) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// Killed reports whether the stop needed SIGKILL.
func (s *supervised) Killed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.killed
}

// exited returns how the child ended, or nil when that was requested.
func (s *supervised) exited(c *proc.Child) error {
	<-c.Done()
	if s.isStopping() {
		return nil
	}
	return c.Exited()
}

// watch returns a context that ends with ctx, after timeout, or as soon as
// the child exits, whose cause then says so.
func watch(ctx context.Context, c *proc.Child, timeout time.Duration, what string) (context.Context, context.CancelFunc) {
	wctx, cancel := context.WithCancelCause(ctx)
	tctx, tcancel := context.WithTimeoutCause(wctx, timeout, errors.New(what+" took longer than "+timeout.String()+" (SUPERVISOR_START_TIMEOUT)"))
	go func() {
		select {
		case <-c.Done():
			cancel(c.Exited())
		case <-tctx.Done():
		}
	}()
	return tctx, func() { tcancel(); cancel(nil) }
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
