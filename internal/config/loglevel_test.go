package config

import (
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestServerLogLevel: the servers' relayed lines have a level of their
// own, which leaves the supervisor's alone.
func TestServerLogLevel(t *testing.T) {
	const home = "KAFKA_HOME=testdata/dist-3.9.1"
	for _, tc := range []struct {
		name       string
		env        []string
		supervisor hclog.Level
		server     hclog.Level
		wantErr    string
	}{
		{"defaults", nil, hclog.Info, hclog.Info, ""},
		{"servers quieter", []string{"SUPERVISOR_SERVER_LOG_LEVEL=warn"}, hclog.Info, hclog.Warn, ""},
		{"supervisor louder", []string{"SUPERVISOR_LOG_LEVEL=debug", "SUPERVISOR_SERVER_LOG_LEVEL=error"}, hclog.Debug, hclog.Error, ""},
		{"not a level", []string{"SUPERVISOR_SERVER_LOG_LEVEL=loud"}, 0, 0,
			`SUPERVISOR_SERVER_LOG_LEVEL: "loud" is not a level; want trace, debug, info, warn or error`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadOrRefuse(t, append([]string{home}, tc.env...), tc.wantErr)
			if c == nil {
				return
			}
			if want, have := tc.supervisor, c.LogLevel; want != have {
				t.Errorf("supervisor: want %s, have %s", want, have)
			}
			if want, have := tc.server, c.ServerLogLevel; want != have {
				t.Errorf("servers: want %s, have %s", want, have)
			}
		})
	}
}
