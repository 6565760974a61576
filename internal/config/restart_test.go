package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadRestart(t *testing.T) {
	const home = "KAFKA_HOME=testdata/dist-3.9.1"
	for _, tc := range []struct {
		name    string
		env     []string
		want    Restart
		wantErr string
	}{
		{"default", nil, Restart{Policy: RestartNever, Limit: 5, Backoff: time.Second}, ""},
		{"on failure", []string{"SUPERVISOR_RESTART=on-failure", "SUPERVISOR_RESTART_LIMIT=3", "SUPERVISOR_RESTART_BACKOFF=250ms"},
			Restart{Policy: RestartOnFailure, Limit: 3, Backoff: 250 * time.Millisecond}, ""},
		{"backoff in seconds", []string{"SUPERVISOR_RESTART=on-failure", "SUPERVISOR_RESTART_BACKOFF=2"},
			Restart{Policy: RestartOnFailure, Limit: 5, Backoff: 2 * time.Second}, ""},
		{"unknown policy", []string{"SUPERVISOR_RESTART=always"}, Restart{},
			`SUPERVISOR_RESTART: "always" is not a restart policy; want never or on-failure`},
		{"limit not a number", []string{"SUPERVISOR_RESTART_LIMIT=many"}, Restart{},
			`SUPERVISOR_RESTART_LIMIT: "many" is not a restart limit; want a whole number from 1 to 1000`},
		{"limit zero", []string{"SUPERVISOR_RESTART_LIMIT=0"}, Restart{},
			`SUPERVISOR_RESTART_LIMIT: "0" is not a restart limit`},
		{"backoff", []string{"SUPERVISOR_RESTART_BACKOFF=-1s"}, Restart{},
			`SUPERVISOR_RESTART_BACKOFF: "-1s" is not a duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadOrRefuse(t, append([]string{home}, tc.env...), tc.wantErr)
			if c == nil {
				return
			}
			if want, have := tc.want, c.Restart; want != have {
				t.Errorf("want %+v, have %+v", want, have)
			}
		})
	}
}

func TestRestartWaits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		backoff time.Duration
		want    []time.Duration // before restarts 1, 2, 3…
	}{
		{"doubling up to the cap", 5 * time.Second,
			[]time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, MaxBackoff, MaxBackoff, MaxBackoff}},
		{"from a second", time.Second,
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, MaxBackoff}},
		{"above the cap", 5 * time.Minute, []time.Duration{MaxBackoff, MaxBackoff}},
		{"none", 0, []time.Duration{0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			waits := Restart{Policy: RestartOnFailure, Limit: 10, Backoff: tc.backoff}.Waits()
			for round := range 2 { // a new row starts from the first wait again
				for n, want := range tc.want {
					if have := waits.NextBackOff(); want != have {
						t.Errorf("row %d, restart %d: want %s, have %s", round+1, n+1, want, have)
					}
				}
				waits.Reset()
			}
		})
	}
	r := Restart{Policy: RestartOnFailure, Limit: 10, Backoff: 5 * time.Second}
	if want, have := "on-failure (limit 10, backoff 5s doubling up to 1m0s)", r.String(); want != have {
		t.Errorf("want %q, have %q", want, have)
	}
}

// loadOrRefuse loads env and, when wantErr is not "", wants an error
// holding it and returns nil; otherwise it wants no error.
func loadOrRefuse(t *testing.T, env []string, wantErr string) *Config {
	t.Helper()
	c, err := Load(env)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("want error %q, have %v", wantErr, err)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}
