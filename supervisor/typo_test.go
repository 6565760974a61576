package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTypos runs `supervisor check` on environments holding a typo or a
// value the property's type refuses: each exits 2 with one line naming the
// variable, and a start (no argument) refuses it with the same line before
// starting anything. A plugin's property named in
// SUPERVISOR_EXTRA_PROPERTIES passes, and is in the plan.
func TestTypos(t *testing.T) {
	dist := kafkaDist(t)
	for _, tc := range []struct {
		name string
		env  []string
		code int
		want string // the one line on stderr (exit 2), or a line of the plan (exit 0)
	}{
		{"broker name", []string{"KAFKA_ZOOKEPER_CONNECT=zk:2181"}, 2,
			`supervisor: KAFKA_ZOOKEPER_CONNECT: no broker property "zookeper.connect" in Kafka 3.9.1; did you mean KAFKA_ZOOKEEPER_CONNECT?`},
		{"supervisor name", []string{"SUPERVISOR_RESTRAT=on-failure"}, 2,
			`supervisor: SUPERVISOR_RESTRAT: no such variable; did you mean SUPERVISOR_RESTART?`},
		{"broker id without its dot", []string{"KAFKA_BROKERID=1"}, 2,
			`supervisor: KAFKA_BROKERID: no broker property "brokerid" in Kafka 3.9.1; did you mean KAFKA_BROKER_ID?`},
		{"trailing comma in the topics", []string{"KAFKA_CREATE_TOPICS=a:1:1,"}, 2,
			`supervisor: KAFKA_CREATE_TOPICS: entry 2 is empty; want name:partitions:replicas[:cleanup.policy],…`},
		{"empty int", []string{"KAFKA_LOG_RETENTION_HOURS="}, 2,
			`supervisor: KAFKA_LOG_RETENTION_HOURS: "" is not a whole number; broker property log.retention.hours is an int`},
		{"zookeeper name", []string{"ZOOKEEPER_TICK_TIEM=2000"}, 2,
			`supervisor: ZOOKEEPER_TICK_TIEM: no ZooKeeper property "tick.tiem" in ZooKeeper 3.8.4; did you mean ZOOKEEPER_TICK_TIME?`},
		{"zookeeper int", []string{"ZOOKEEPER_TICK_TIME=abc"}, 2,
			`supervisor: ZOOKEEPER_TICK_TIME: "abc" is not a whole number; ZooKeeper property tickTime is an int`},
		{"boolean", []string{"KAFKA_AUTO_CREATE_TOPICS_ENABLE=yes"}, 2,
			`supervisor: KAFKA_AUTO_CREATE_TOPICS_ENABLE: "yes" is not true or false; broker property auto.create.topics.enable is a boolean`},
		{"enumeration", []string{"KAFKA_COMPRESSION_TYPE=gzipp"}, 2,
			`supervisor: KAFKA_COMPRESSION_TYPE: "gzipp" is not allowed; broker property compression.type is one of uncompressed, zstd, lz4, snappy, gzip, producer`},
		{"range", []string{"KAFKA_NUM_PARTITIONS=0"}, 2,
			`supervisor: KAFKA_NUM_PARTITIONS: "0" is out of range; broker property num.partitions is an int from 1`},
		{"plugin property", []string{"KAFKA_MY_PLUGIN_KEY=1"}, 2,
			`supervisor: KAFKA_MY_PLUGIN_KEY: no broker property "my.plugin.key" in Kafka 3.9.1; want a property of Kafka 3.9.1, or its name in SUPERVISOR_EXTRA_PROPERTIES`},
		{"plugin property let through", []string{"KAFKA_MY_PLUGIN_KEY=1", "SUPERVISOR_EXTRA_PROPERTIES=my.plugin.*"}, 0,
			"  + my.plugin.key=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
			env := append(os.Environ(),
				"KAFKA_HOME="+dist,
				"SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
				"SUPERVISOR_DATA_DIR="+filepath.Join(dir, "data"),
				"SUPERVISOR_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(freePort(t)),
				"ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(freePort(t)),
				"KAFKA_PORT="+strconv.Itoa(freePort(t)),
			)
			env = append(env, tc.env...)
			stdout, stderr, code := runBinary(t, env, "check")
			if tc.code != code {
				t.Fatalf("check: exit code: want %d, have %d\n%s", tc.code, code, stderr)
			}
			if tc.code == 0 {
				if !strings.Contains(stdout, tc.want+"\n") {
					t.Errorf("the plan lacks %q:\n%s", tc.want, stdout)
				}
				return
			}
			if want, have := tc.want, strings.TrimSuffix(stderr, "\n"); want != have {
				t.Errorf("check:\nwant %q\nhave %q", want, have)
			}
			// A start refuses the same way, before starting anything.
			_, startErr, startCode := runBinary(t, env)
			if want, have := 2, startCode; want != have {
				t.Errorf("start: exit code: want %d, have %d", want, have)
			}
			if want, have := stderr, startErr; want != have {
				t.Errorf("start: want the line of check %q, have %q", want, have)
			}
		})
	}
}

// runBinary runs the supervisor with env and args to its end.
func runBinary(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}
