// Package watch keeps asking a server that was ready once whether it still
// answers, and says so when that changes.
//
// A start ends with the server ready; from then on readiness is a state,
// not a phase. A server that is frozen (SIGSTOP, a stuck JVM, a full
// disk that blocks its threads) still holds its port, and the kernel even
// accepts connections for it, so only a request with a deadline tells.
// Run asks every Period, each check bounded by Period; after Failures
// checks in a row without an answer the server is reported not answering
// (not ready), and as soon as one check is answered it is reported
// answering again. With the defaults of 2 s and 3 a server frozen just
// after an answer is reported after 8 s: three checks that start 2 s
// apart, the last of which gives up 2 s later.
//
// A server that stays without an answer for Hang, counted from its last
// answer, is reported hung, once for each time it stops answering: the
// caller decides what to do (kill and start it again, or fail liveness).
// Because Run starts only once the server was ready, a long start or the
// recovery of a large log, which happen before ready and are bounded by
// the start timeout, never count as a hang.
//
// A check may also fail with ErrNotReady: the server answered, but says it
// cannot serve (a KRaft controller whose quorum has no leader). It is
// reported after Failures such checks in a row, as one without an answer
// is, but it counts as an answer for the hang timeout: restarting a server
// that answers does not give it what it lacks.
//
// Run logs one line for each change, none for each check.
package watch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
)

// ErrNotReady wraps the error of a check that the server answered by
// saying it cannot serve.
var ErrNotReady = errors.New("not ready")

// Check asks the server once. It returns nil when the server answered,
// and gives up by the deadline of its context, whose cause says "no
// answer within" the period, unless it has a more precise error of its own
// (an i/o timeout, a refused connection).
type Check func(ctx context.Context) error

// Settings say how often a server is asked and when it counts as not
// answering or hung.
type Settings struct {
	// Period is the time between the starts of two checks, and each
	// check's deadline.
	Period time.Duration
	// Failures is how many checks in a row go unanswered before the
	// server is reported not answering.
	Failures int
	// Hang is how long after its last answer a server counts as hung.
	Hang time.Duration
}

// Window is how long after its last answer a frozen server is reported
// not answering at the latest: one period for the answered check to end,
// then Failures checks that each take up to a period.
func (s Settings) Window() time.Duration { return time.Duration(s.Failures+1) * s.Period }

// Reporter is told of each change of a server's state.
type Reporter interface {
	// Unanswered says the server has not answered since the given time;
	// err is its last check's error.
	Unanswered(name string, since time.Time, err error)
	// Answering says the server answers (again).
	Answering(name string)
}

// Options configure Run.
type Options struct {
	Settings
	Name   string // the server, as reports and logs name it
	Check  Check
	Health Reporter
	// Hung is called once the server has not answered for Hang, and once
	// more only after it answered in between.
	Hung func(since time.Time, err error)
	Log  hclog.Logger
}

// Run checks the server until ctx ends.
func Run(ctx context.Context, o Options) {
	lastAnswer := time.Now()
	failed := 0
	var hung bool
	timer := time.NewTimer(o.Period)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		start := time.Now()
		cctx, cancel := context.WithTimeoutCause(ctx, o.Period, fmt.Errorf("no answer within %s", o.Period))
		err := o.Check(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		now := time.Now()
		switch {
		case err == nil && failed >= o.Failures:
			o.Log.Info("answering again", "server", o.Name, "after", round(now.Sub(lastAnswer)))
			o.Health.Answering(o.Name)
			fallthrough
		case err == nil:
			lastAnswer, failed, hung = now, 0, false
		default:
			msg := "not answering"
			if errors.Is(err, ErrNotReady) {
				msg, lastAnswer, hung = "answering, not ready", now, false
			}
			failed++
			if failed < o.Failures {
				break
			}
			if failed == o.Failures {
				o.Log.Warn(msg, "server", o.Name, "for", round(now.Sub(lastAnswer)), "checks", failed, "error", err)
			}
			o.Health.Unanswered(o.Name, lastAnswer, err)
			// Only once reported not answering, however slow the checks.
			if !hung && now.Sub(lastAnswer) >= o.Hang {
				hung = true
				o.Hung(lastAnswer, err)
			}
		}
		timer.Reset(max(0, o.Period-time.Since(start)))
	}
}

func round(d time.Duration) time.Duration { return d.Round(time.Second / 10) }
