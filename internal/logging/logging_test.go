package logging

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

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

// TestJSONDurations: a duration reads in JSON as in text ("837ms"), from
// the root, its sub-loggers and their implied arguments alike; other
// values keep their JSON types.
func TestJSONDurations(t *testing.T) {
	const took = 837 * time.Millisecond
	for _, tc := range []struct {
		name string
		log  func(root hclog.Logger)
	}{
		{"root", func(root hclog.Logger) { root.Info("ready", "took", took, "topics", 2) }},
		{"named", func(root hclog.Logger) { root.Named(Supervisor).Info("ready", "took", took, "topics", 2) }},
		{"server", func(root hclog.Logger) { Server(root, Kafka, hclog.Info).Warn("slow", "took", took, "topics", 2) }},
		{"implied", func(root hclog.Logger) { root.Named(Kafka).With("took", took).Error("stopped", "topics", 2) }},
		{"log", func(root hclog.Logger) { root.Log(hclog.Info, "ready", "took", took, "topics", 2) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			tc.log(New("json", hclog.Info, &out))
			var line map[string]any
			if err := json.Unmarshal([]byte(out.String()), &line); err != nil {
				t.Fatalf("%q: %v", out.String(), err)
			}
			if want, have := any("837ms"), line["took"]; want != have {
				t.Errorf("took: want %#v, have %#v", want, have)
			}
			if want, have := any(float64(2)), line["topics"]; want != have {
				t.Errorf("topics: want %#v, have %#v", want, have)
			}
		})
	}
	var text strings.Builder
	New("text", hclog.Info, &text).Info("ready", "took", took)
	if want := "took=837ms"; !strings.Contains(text.String(), want) {
		t.Errorf("text: want %q in %q", want, text.String())
	}
}
