package logging

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestServerLevel: a server's lines are filtered at its own level, and
// setting it leaves the supervisor's alone, both ways.
func TestServerLevel(t *testing.T) {
	for _, tc := range []struct {
		name              string
		supervisor, relay hclog.Level
		want              []string
	}{
		{"servers quieter", hclog.Info, hclog.Warn,
			[]string{"supervisor: own info", "kafka: server warn", "supervisor: own warn"}},
		{"servers louder", hclog.Warn, hclog.Debug,
			[]string{"kafka: server debug", "kafka: server info", "kafka: server warn", "supervisor: own warn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			root := New("text", tc.supervisor, &out)
			sup := root.Named(Supervisor)
			kafka := Server(root, Kafka, tc.relay)
			sup.Debug("own debug")
			sup.Info("own info")
			kafka.Debug("server debug")
			kafka.Info("server info")
			kafka.Warn("server warn")
			sup.Warn("own warn")
			var have []string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				_, msg, _ := strings.Cut(line, "] ")
				have = append(have, strings.TrimSpace(msg))
			}
			if want := tc.want; !slices.Equal(want, have) {
				t.Errorf("want %q, have %q", want, have)
			}
		})
	}
}
