package config

import (
	"fmt"
	"strconv"
	"time"

	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

// Defaults of the checks of a ready server. A server frozen just after an
// answer shows in /readyz after (3+1) × 2 s = 8 s, within the 10 s that a
// readiness probe of periodSeconds 5 sees it in. The hang timeout is what
// the manifests' liveness probes give the supervisor itself before the
// kubelet restarts the container (periodSeconds 10 × failureThreshold 3):
// a server that answers nothing for as long is as dead as a supervisor
// that does.
const (
	DefaultCheckPeriod   = 2 * time.Second
	DefaultCheckFailures = 3
	DefaultHangTimeout   = 30 * time.Second
)

// maxCheckFailures keeps SUPERVISOR_CHECK_FAILURES to something a person meant.
const maxCheckFailures = 100

func loadChecks(e env) (watch.Settings, error) {
	var s watch.Settings
	var err error
	if s.Period, err = duration(e, "SUPERVISOR_CHECK_PERIOD", DefaultCheckPeriod); err != nil {
		return s, err
	}
	failures := e.get("SUPERVISOR_CHECK_FAILURES", strconv.Itoa(DefaultCheckFailures))
	if s.Failures, err = strconv.Atoi(failures); err != nil || s.Failures < 1 || s.Failures > maxCheckFailures {
		return s, &Error{"SUPERVISOR_CHECK_FAILURES", fmt.Sprintf("%q is not a number of checks", failures),
			fmt.Sprintf("a whole number from 1 to %d", maxCheckFailures)}
	}
	if s.Hang, err = duration(e, "SUPERVISOR_HANG_TIMEOUT", DefaultHangTimeout); err != nil {
		return s, err
	}
	if s.Hang < s.Window() {
		return s, &Error{"SUPERVISOR_HANG_TIMEOUT", fmt.Sprintf("%s is shorter than the %s a server takes to be found not answering", s.Hang, s.Window()),
			"at least (SUPERVISOR_CHECK_FAILURES+1) × SUPERVISOR_CHECK_PERIOD"}
	}
	return s, nil
}
