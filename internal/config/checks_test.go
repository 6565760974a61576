package config

import (
	"testing"
	"time"

	"github.com/kafka-on-kubernetes/supervisor/internal/watch"
)

func TestLoadChecks(t *testing.T) {
	const home = "KAFKA_HOME=testdata/dist-3.9.1"
	for _, tc := range []struct {
		name    string
		env     []string
		want    watch.Settings
		wantErr string
	}{
		{"default", nil, watch.Settings{Period: 2 * time.Second, Failures: 3, Hang: 30 * time.Second}, ""},
		{"set", []string{"SUPERVISOR_CHECK_PERIOD=500ms", "SUPERVISOR_CHECK_FAILURES=5", "SUPERVISOR_HANG_TIMEOUT=3"},
			watch.Settings{Period: 500 * time.Millisecond, Failures: 5, Hang: 3 * time.Second}, ""},
		{"hang as long as the window", []string{"SUPERVISOR_HANG_TIMEOUT=8s"},
			watch.Settings{Period: 2 * time.Second, Failures: 3, Hang: 8 * time.Second}, ""},
		{"period", []string{"SUPERVISOR_CHECK_PERIOD=0s"}, watch.Settings{},
			`SUPERVISOR_CHECK_PERIOD: "0s" is not a duration`},
		{"failures not a number", []string{"SUPERVISOR_CHECK_FAILURES=few"}, watch.Settings{},
			`SUPERVISOR_CHECK_FAILURES: "few" is not a number of checks; want a whole number from 1 to 100`},
		{"failures zero", []string{"SUPERVISOR_CHECK_FAILURES=0"}, watch.Settings{},
			`SUPERVISOR_CHECK_FAILURES: "0" is not a number of checks`},
		{"hang", []string{"SUPERVISOR_HANG_TIMEOUT=soon"}, watch.Settings{},
			`SUPERVISOR_HANG_TIMEOUT: "soon" is not a duration`},
		{"hang shorter than the window", []string{"SUPERVISOR_HANG_TIMEOUT=5s"}, watch.Settings{},
			`SUPERVISOR_HANG_TIMEOUT: 5s is shorter than the 8s a server takes to be found not answering; want at least (SUPERVISOR_CHECK_FAILURES+1) × SUPERVISOR_CHECK_PERIOD`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadOrRefuse(t, append([]string{home}, tc.env...), tc.wantErr)
			if c == nil {
				return
			}
			if want, have := tc.want, c.Checks; want != have {
				t.Errorf("want %+v, have %+v", want, have)
			}
		})
	}
}
