package proc

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestLevelOf(t *testing.T) {
	for _, tc := range []struct {
		line string
		want hclog.Level
		ok   bool
	}{
		{"[2024-01-01 00:00:00,000] ERROR boom (x)", hclog.Error, true},
		{"[2024-01-01 00:00:00,000] FATAL boom (x)", hclog.Error, true},
		{"[2024-01-01 00:00:00,000] WARN hmm (x)", hclog.Warn, true},
		{"[2024-01-01 00:00:00,000] INFO fine (x)", hclog.Info, true},
		{"[2024-01-01 00:00:00,000] DEBUG detail (x)", hclog.Debug, true},
		{"[2024-01-01 00:00:00,000] TRACE detail (x)", hclog.Trace, true},
		{"[2024-01-01 00:00:00,000] WARN  padded by %-5p (x)", hclog.Warn, true},
		{"ERROR without brackets", hclog.NoLevel, false},
		{"\tat org.apache.Foo(Foo.java:1)", hclog.NoLevel, false},
		{"[Kafka Server 0] shutting down, not a level", hclog.NoLevel, false},
		{"", hclog.NoLevel, false},
	} {
		level, ok := levelOf(tc.line)
		if want, have := tc.want, level; want != have {
			t.Errorf("%q: want %s, have %s", tc.line, want, have)
		}
		if want, have := tc.ok, ok; want != have {
			t.Errorf("%q: want ok %t, have %t", tc.line, want, have)
		}
	}
}

// TestRelayLevels relays output of the real servers of each version and
// checks the level of each line. Each line of a testdata/relay file is the
// level the line must be relayed at, a tab, and the line as the server
// wrote it: log4j 1 lines of Kafka 0.8.2.1 (ZooKeeper 3.4.6), reload4j
// lines of 2.8.2 (3.5.9) and 3.9.1 (3.8.4), with their stack traces.
func TestRelayLevels(t *testing.T) {
	files, err := filepath.Glob("testdata/relay/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/relay files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var lines, want []string
			for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				level, line, ok := strings.Cut(l, "\t")
				if !ok {
					t.Fatalf("%s: no level before a tab in %q", file, l)
				}
				want = append(want, strings.ToLower(level))
				lines = append(lines, line)
			}
			var out strings.Builder
			log := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, JSONFormat: true, Output: &out})
			(&Child{}).copyLines(strings.NewReader(strings.Join(lines, "\n")+"\n"), log)

			sc := bufio.NewScanner(strings.NewReader(out.String()))
			i := 0
			for ; sc.Scan(); i++ {
				var entry struct {
					Level   string `json:"@level"`
					Message string `json:"@message"`
				}
				if err := json.Unmarshal(sc.Bytes(), &entry); err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
				if i >= len(lines) {
					t.Fatalf("more lines relayed than written: %q", entry.Message)
				}
				if want, have := lines[i], entry.Message; want != have {
					t.Errorf("line %d: want %q, have %q", i+1, want, have)
				}
				if want, have := want[i], entry.Level; want != have {
					t.Errorf("line %d %q: want %s, have %s", i+1, lines[i], want, have)
				}
			}
			if want, have := len(lines), i; want != have {
				t.Errorf("want %d lines relayed, have %d", want, have)
			}
		})
	}
}

// TestRelayFilters: a server's stack trace is hidden with its warning when
// the relay's level is above it, and shown with it otherwise.
func TestRelayFilters(t *testing.T) {
	const output = "[2026-11-30 02:28:16,993] WARN Close of session 0x0 (org.apache.zookeeper.server.NIOServerCnxn)\n" +
		"java.io.IOException: ZooKeeperServer not running\n" +
		"\tat org.apache.zookeeper.server.NIOServerCnxn.readLength(NIOServerCnxn.java:565)\n" +
		"[2026-11-30 02:28:16,994] INFO Accepted socket connection (org.apache.zookeeper.server.NIOServerCnxnFactory)\n"
	for _, tc := range []struct {
		level hclog.Level
		want  int
	}{
		{hclog.Info, 4},
		{hclog.Warn, 3},
		{hclog.Error, 0},
	} {
		var out strings.Builder
		log := hclog.New(&hclog.LoggerOptions{Level: tc.level, Output: &out})
		c := &Child{}
		c.copyLines(strings.NewReader(output), log)
		if want, have := tc.want, strings.Count(out.String(), "\n"); want != have {
			t.Errorf("at %s: want %d lines, have %d:\n%s", tc.level, want, have, out.String())
		}
		if want, have := 4, len(c.Tail()); want != have {
			t.Errorf("at %s: the tail keeps every line: want %d, have %d", tc.level, want, have)
		}
	}
}

// TestErrors: a child keeps its last error lines with their exceptions,
// dates and stack frames dropped, however much it printed after them.
// testdata/errors holds real output: Kafka 3.9.1 whose only log directory
// ran out of space, as TestFaultLogDirFull records it.
func TestErrors(t *testing.T) {
	fixture := func(name string) string {
		data, err := os.ReadFile(filepath.Join("testdata", "errors", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	for _, tc := range []struct {
		name, output string
		want         []string
	}{
		{"log dir full", fixture("kafka-3.9.1-log-dir-full.txt"), []string{
			"ERROR Error while appending records to fill-0 in dir /var/lib/kafka/kafka (org.apache.kafka.storage.internals.log.LogDirFailureChannel)",
			"java.io.IOException: No space left on device",
			"ERROR Shutdown broker because all log dirs in /var/lib/kafka/kafka have failed (kafka.log.LogManager)",
		}},
		{"none", "[2026-11-30 08:19:12,867] WARN careful (x)\njava.io.IOException: only a warning\n\tat a.B(B.java:1)\n", nil},
		{"caused by", "[2026-11-30 08:19:12,867] FATAL gave up (x)\nx.Boom: outer\n\tat a.B(B.java:1)\nCaused by: y.Bang: inner\n\t... 3 more\n\n" +
			"[2026-11-30 08:19:12,868] INFO shutting down (x)\n", []string{"FATAL gave up (x)", "x.Boom: outer", "Caused by: y.Bang: inner"}},
		{"the last five", strings.Repeat("[2026-11-30 08:19:12,867] ERROR old (x)\n", 3) + strings.Repeat("[2026-11-30 08:19:12,867] ERROR new (x)\n", 5),
			slices.Repeat([]string{"ERROR new (x)"}, 5)},
		{"no log4j layout", "plain line\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Child{}
			c.copyLines(strings.NewReader(tc.output), hclog.NewNullLogger())
			if want, have := strings.Join(tc.want, "\n"), strings.Join(c.Errors(), "\n"); want != have {
				t.Errorf("want\n%s\nhave\n%s", want, have)
			}
		})
	}
}
