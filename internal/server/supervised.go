package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/config"
	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

// Common configures what both servers share.
type Common struct {
	Reaper       *proc.Reaper
	KafkaHome    string
	StartTimeout time.Duration
	StopTimeout  time.Duration
	Restart      config.Restart
	Checks       watch.Settings // how a ready server is watched
	Log          hclog.Logger   // the supervisor's own lines
	Health       *health.State
}

// errStopping says a start was refused because a stop was requested.
var errStopping = errors.New("stopping")

// supervised is one child, the lock that orders its start and its stop,
// and a context that ends when the stop is requested.
type supervised struct {
	Common
	spec   proc.Spec
	ctx    context.Context
	cancel context.CancelFunc

	stopOnce sync.Once
	mu       sync.Mutex
	child    *proc.Child
	stopping bool
	killed   bool
}

// newSupervised prepares bin/<script> <configFile> of the distribution.
func newSupervised(c Common, name, script, configFile string, env []string, output hclog.Logger) *supervised {
	ctx, cancel := context.WithCancel(context.Background())
	return &supervised{
		Common: c,
		spec: proc.Spec{
			Name: name,
			Path: filepath.Join(c.KafkaHome, "bin", script),
			Args: []string{configFile},
			Env:  env,
			Log:  output,
		},
		ctx:    ctx,
		cancel: cancel,
	}
}

// restartReset is how long a child must run for its restarts in a row to
// be counted from zero again.
const restartReset = 5 * time.Minute

// supervise calls once until a stop is requested or a child's exit is not
// to be restarted, and returns once's result. A child that exits on its own
// (before or after it is ready) is started again when the policy is
// on-failure, after a backoff, up to the policy's limit of restarts in a
// row. From its exit on the child is marked down, so the supervisor is not
// ready, also while the other server stops when it is not restarted.
// once learns how many restarts in a row this is, 0 for the first start.
func (s *supervised) supervise(once func(restart int) error) error {
	restart := 0
	waits := s.Restart.Waits()
	for {
		t0 := time.Now()
		err := once(restart)
		var exit *proc.ExitError
		exited := errors.As(err, &exit) && !s.isStopping()
		if exited {
			// Not ready from its exit on, whether it is started again or
			// not: stopping the other server may take the stop timeout.
			s.Health.Down(s.spec.Name)
		}
		if !exited || s.Restart.Policy != config.RestartOnFailure {
			return err
		}
		if time.Since(t0) >= restartReset {
			restart = 0
			waits.Reset()
		}
		restart++
		if restart > s.Restart.Limit {
			s.Log.Error("restart limit reached", "child", s.spec.Name, "limit", s.Restart.Limit)
			return err
		}
		delay := waits.NextBackOff()
		s.Log.Warn("restarting", "child", s.spec.Name, "status", exit.Status.String(),
			"restart", restart, "limit", s.Restart.Limit, "in", delay, "last_errors", exit.Reason(),
			"last_lines", strings.Join(exit.Tail, "\n"))
		timer := time.NewTimer(delay)
		select {
		case <-s.ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// start starts the child, unless Stop came first.
func (s *supervised) start() (*proc.Child, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil, errStopping
	}
	s.Log.Info("starting", "phase", s.spec.Name)
	c, err := s.Reaper.Start(s.spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.spec.Name, err)
	}
	s.child = c
	s.Log.Info("started", "child", s.spec.Name, "pid", c.Pid())
	return c, nil
}

// Stop ends every wait of Run, stops the child if it runs, and returns
// once it is reaped: SIGTERM, then SIGKILL after StopTimeout. Every call
// returns only then, whichever came first.
func (s *supervised) Stop() {
	s.stopOnce.Do(func() {
		// Marked before the waits end, so that Run takes their end for a stop.
		s.mu.Lock()
		s.stopping = true
		child := s.child // start refuses from now on
		s.mu.Unlock()
		s.cancel()
		if child == nil {
			return
		}
		select {
		case <-child.Done():
			return // it ended on its own; Run reports it
		default:
		}
		t0 := time.Now()
		s.Log.Info("stopping", "child", s.spec.Name, "grace", s.StopTimeout)
		killed := child.Stop(s.StopTimeout)
		s.mu.Lock()
		s.killed = killed
		s.mu.Unlock()
		if killed {
			s.Log.Warn("killed after grace", "child", s.spec.Name, "grace", s.StopTimeout)
		}
		s.Log.Info("stopped", "child", s.spec.Name, "status", child.Status().String(), "took", since(t0))
	})
}

// Killed reports whether the stop needed SIGKILL.
func (s *supervised) Killed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.killed
}

func (s *supervised) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// exited waits for the child and returns how it ended, or nil when that
// was requested.
func (s *supervised) exited(c *proc.Child) error {
	<-c.Done()
	if s.isStopping() {
		return nil
	}
	return c.Exited()
}

// serve waits for a ready child to end, as exited does, and checks
// meanwhile that it answers check (see internal/watch): /readyz says so
// while it does not. A child that does not answer for the hang timeout is
// acted on as the restart policy says: under on-failure it is killed, so
// that supervise starts it again and counts the restart; under never it
// fails liveness, for the orchestrator to restart the container.
func (s *supervised) serve(c *proc.Child, check watch.Check, remotes ...remote) error {
	ctx, cancel := context.WithCancel(s.ctx)
	var wg sync.WaitGroup
	wg.Add(1 + len(remotes))
	go func() {
		defer wg.Done()
		watch.Run(ctx, watch.Options{
			Settings: s.Checks, Name: s.spec.Name, Check: check, Health: s.Health, Log: s.Log,
			Hung: func(last time.Time, err error) { s.hung(c, last, err) },
		})
	}()
	for _, r := range remotes {
		go func() {
			defer wg.Done()
			watch.Run(ctx, watch.Options{
				Settings: s.Checks, Name: r.name, Check: r.check, Health: s.Health, Log: s.Log,
				Hung: func(last time.Time, err error) {
					s.Log.Warn("not answering past the hang timeout: not ours to restart", "server", r.name,
						"for", since(last), "hang_timeout", s.Checks.Hang, "error", err)
				},
			})
			// What it last said ends with the node it was watched for.
			s.Health.Answering(r.name)
		}()
	}
	err := s.exited(c)
	cancel()
	wg.Wait()
	return err
}

// remote is a server a node depends on and the supervisor does not run.
type remote struct {
	name  string
	check watch.Check
}

// hung acts on a child that has not answered since last.
func (s *supervised) hung(c *proc.Child, last time.Time, err error) {
	args := []any{"child", s.spec.Name, "for", since(last), "hang_timeout", s.Checks.Hang, "error", err}
	if s.Restart.Policy == config.RestartOnFailure {
		// A frozen process does not act on SIGTERM, nor would a stop help
		// one that is stuck: SIGKILL, which ends a stopped process too.
		s.Log.Error("not answering past the hang timeout: killing it", args...)
		_ = c.Signal(syscall.SIGKILL)
		return
	}
	s.Log.Error("not answering past the hang timeout: not alive", args...)
	s.Health.Hung(s.spec.Name)
}

// failed turns the error of a start phase into Run's result: nil after a
// requested stop, the child's own exit if that was the cause, or err once
// the child is stopped.
func (s *supervised) failed(c *proc.Child, err error) error {
	if s.isStopping() {
		return s.exited(c)
	}
	var exit *proc.ExitError
	if errors.As(err, &exit) {
		return exit
	}
	s.Stop()
	return fmt.Errorf("%s: %w", s.spec.Name, err)
}

// watch returns a context that ends on Stop, after StartTimeout, or as soon
// as the child exits, whose cause then says so.
func (s *supervised) watch(c *proc.Child) (context.Context, context.CancelFunc) {
	wctx, cancel := context.WithCancelCause(s.ctx)
	what := s.spec.Name + " start"
	tctx, tcancel := context.WithTimeoutCause(wctx, s.StartTimeout,
		fmt.Errorf("%s took longer than %s (SUPERVISOR_START_TIMEOUT)", what, s.StartTimeout))
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
