package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/kafka-on-kubernetes/supervisor/internal/health"
	"github.com/kafka-on-kubernetes/supervisor/internal/proc"
	"github.com/kafka-on-kubernetes/supervisor/internal/quorum"
)

// askTimeout bounds each question to an ensemble member.
const askTimeout = 2 * time.Second

// polls say how often an ensemble member is asked its mode once it answers.
type polls struct {
	waiting time.Duration // while it has no quorum
	serving time.Duration // while it is leader or follower
}

// A member is asked often while it waits for a quorum, so that it is found
// ready soon after it joins, and less often while it serves, because
// ZooKeeper logs every srvr at INFO.
const (
	pollWaiting = time.Second
	pollServing = 5 * time.Second
)

// member runs ZooKeeper as a member of an ensemble. Its start ends once it
// answers srvr at all: the other members may take longer than the start
// timeout to come (a pod rescheduled, an image pulled), and restarting
// this one would not bring them sooner. From then on its mode decides
// readiness, for as long as it runs: ready while it is leader or follower,
// not ready while it has no quorum.
func (z *ZooKeeper) member(child *proc.Child, t0 time.Time) error {
	addr := z.opts.Servers[0]
	z.Health.SetPhase(health.WaitingQuorum)
	wctx, cancel := z.watch(child)
	mode, err := firstAnswer(wctx, addr)
	cancel()
	if err != nil {
		return z.failed(child, err)
	}
	z.Log.Info("answering", "phase", "zookeeper", "mode", mode, "took", since(t0))
	z.Health.Up(z.spec.Name)

	fctx, fcancel := context.WithCancel(z.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		z.follow(fctx, addr, mode, t0, polls{waiting: pollWaiting, serving: pollServing},
			func(last time.Time, err error) { z.hung(child, last, err) })
	}()
	err = z.exited(child)
	fcancel()
	<-done
	return err
}

// firstAnswer asks addr its mode until it answers, or ctx ends. A server
// that refuses srvr could never be found ready: that is an error at once.
func firstAnswer(ctx context.Context, addr string) (quorum.Mode, error) {
	var last error
	mode, err := backoff.Retry(ctx, func() (quorum.Mode, error) {
		actx, cancel := context.WithTimeout(ctx, askTimeout)
		defer cancel()
		mode, err := quorum.Ask(actx, addr)
		if errors.Is(err, quorum.ErrNotAllowed) {
			return "", backoff.Permanent(fmt.Errorf("zookeeper at %s: %w: add srvr to ZOOKEEPER_4LW_COMMANDS_WHITELIST", addr, err))
		}
		if err != nil && ctx.Err() == nil {
			last = err
		}
		return mode, err
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: 50 * time.Millisecond, Multiplier: 2, MaxInterval: time.Second}),
		backoff.WithMaxElapsedTime(0))
	if err != nil && ctx.Err() != nil {
		return "", fmt.Errorf("zookeeper at %s does not answer (last: %v): %w", addr, last, context.Cause(ctx))
	}
	return mode, err
}

// follow asks the member its mode until ctx ends, and moves the readiness
// and logs with each change. A member that gives no answer at all (a
// frozen JVM; "not serving" is an answer) for the hang timeout of the
// checks, counted from its last answer, is passed to hung, once for each
// time it stops answering, as package watch does for the other servers.
func (z *ZooKeeper) follow(ctx context.Context, addr string, mode quorum.Mode, t0 time.Time, every polls, hung func(last time.Time, err error)) {
	var last quorum.Mode
	first := true
	lastAnswer, reported := time.Now(), false
	apply := func(mode quorum.Mode, err error) {
		if mode == last {
			return
		}
		switch {
		case serves(mode) && first:
			first = false
			z.Log.Info("ready", "phase", "zookeeper", "mode", mode, "took", since(t0))
			// A restarted member comes here again: the channel is closed once.
			z.readyOnce.Do(func() { close(z.ready) })
		case serves(mode) && serves(last):
			z.Log.Info("serving", "mode", mode, "was", last)
		case serves(mode):
			z.Log.Info("serving again", "mode", mode, "was", last)
		case first && err != nil:
			z.Log.Info("waiting for quorum", "error", err)
		case first:
			z.Log.Info("waiting for quorum", "mode", mode)
		case err != nil:
			z.Log.Warn("not serving: no answer", "was", last, "error", err)
		default:
			z.Log.Warn("not serving: no quorum", "mode", mode, "was", last)
		}
		if z.opts.Last && serves(mode) {
			z.Health.SetPhase(health.Ready)
		} else if z.opts.Last && serves(last) {
			z.Health.SetPhase(health.WaitingQuorum)
		}
		last = mode
	}
	apply(mode, nil)
	for {
		poll := every.waiting
		if serves(last) {
			poll = every.serving
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		actx, cancel := context.WithTimeout(ctx, askTimeout)
		mode, err := quorum.Ask(actx, addr)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			lastAnswer, reported = time.Now(), false
			z.Health.Answering(z.spec.Name)
		} else {
			z.Health.Unanswered(z.spec.Name, lastAnswer, err)
			if z.Checks.Hang > 0 && !reported && time.Since(lastAnswer) >= z.Checks.Hang {
				reported = true
				hung(lastAnswer, err)
			}
		}
		apply(mode, err)
	}
}

// serves reports whether a member in mode m serves clients as one of its
// ensemble: as leader or follower, or standalone, which is how ZooKeeper
// runs an ensemble of one.
func serves(m quorum.Mode) bool { return m.InQuorum() || m == quorum.Standalone }
