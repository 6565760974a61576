package config

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// RestartPolicy says whether a child that exits on its own is started again.
type RestartPolicy string

// The restart policies.
const (
	// RestartNever stops the supervisor when a child exits on its own, and
	// leaves the restart to the orchestrator (the pod's restartPolicy).
	RestartNever RestartPolicy = "never"
	// RestartOnFailure starts the child again after a backoff, up to a limit.
	RestartOnFailure RestartPolicy = "on-failure"
)

// Restart is the restart policy of both children.
type Restart struct {
	Policy RestartPolicy
	// Limit is how many restarts in a row a child gets before the
	// supervisor gives up and exits with the child's status.
	Limit int
	// Backoff is the wait before the first restart in a row; each next one
	// waits twice as long, up to MaxBackoff.
	Backoff time.Duration
}

// String reads "never", or "on-failure (limit 5, backoff 1s doubling up to 1m0s)".
func (r Restart) String() string {
	if r.Policy != RestartOnFailure {
		return string(r.Policy)
	}
	return fmt.Sprintf("%s (limit %d, backoff %s doubling up to %s)", r.Policy, r.Limit, r.Backoff, MaxBackoff)
}

// Waits returns the waits before each restart in a row: Backoff, then
// twice as long each time, up to MaxBackoff. Reset starts a new row.
func (r Restart) Waits() *backoff.ExponentialBackOff {
	first := min(r.Backoff, MaxBackoff)
	return &backoff.ExponentialBackOff{InitialInterval: first, Multiplier: 2, MaxInterval: MaxBackoff}
}

// MaxBackoff caps the wait between two restarts of a child.
const MaxBackoff = time.Minute

// maxRestartLimit keeps SUPERVISOR_RESTART_LIMIT to something a person meant.
const maxRestartLimit = 1000

func loadRestart(e env) (Restart, error) {
	r := Restart{Policy: RestartPolicy(e.get("SUPERVISOR_RESTART", string(RestartNever)))}
	switch r.Policy {
	case RestartNever, RestartOnFailure:
	default:
		return r, &Error{"SUPERVISOR_RESTART", fmt.Sprintf("%q is not a restart policy", r.Policy), "never or on-failure"}
	}
	limit := e.get("SUPERVISOR_RESTART_LIMIT", "5")
	n, err := strconv.Atoi(limit)
	if err != nil || n < 1 || n > maxRestartLimit {
		return r, &Error{"SUPERVISOR_RESTART_LIMIT", fmt.Sprintf("%q is not a restart limit", limit),
			fmt.Sprintf("a whole number from 1 to %d", maxRestartLimit)}
	}
	r.Limit = n
	if r.Backoff, err = duration(e, "SUPERVISOR_RESTART_BACKOFF", time.Second); err != nil {
		return r, err
	}
	return r, nil
}
