package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestWritePlan compares what `supervisor check` prints with
// testdata/golden/plan-*.txt: each effective file with what the supervisor
// sets in it, marked +, ~ or = against the base.
func TestWritePlan(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"3.9.1", []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_DATA_DIR=/data", "KAFKA_ADVERTISED_HOST_NAME=10.1.2.3",
			"KAFKA_NUM_PARTITIONS=4", "KAFKA_MESSAGE_MAX_BYTES=2000000", "ZOOKEEPER_TICK_TIME=2000", "KAFKA_CREATE_TOPICS=events:3:1:compact"}},
		{"rewritten-3.9.1", []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_CONFIG_DIR=testdata/rewritten-3.9.1",
			"SUPERVISOR_DATA_DIR=/data", "KAFKA_ADVERTISED_HOST_NAME=10.4.0.7", "KAFKA_BROKER_ID=3"}},
		{"0.8.2.1-kafka", []string{"KAFKA_HOME=testdata/dist-0.8.2.1", "SUPERVISOR_ROLE=kafka", "SUPERVISOR_RUN_DIR=/run/kafka",
			"KAFKA_ZOOKEEPER_CONNECT=zk-0:2181", "KAFKA_LOG_RETENTION_HOURS=72", "KAFKA_PORT=tcp://10.0.0.9:9092"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			c.WritePlan(&buf)
			have := buf.Bytes()
			golden := filepath.Join("testdata", "golden", "plan-"+tc.name+".txt")
			if *update {
				if err := os.WriteFile(golden, have, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, have) {
				t.Errorf("plan differs from %s:\n%s", golden, have)
			}
		})
	}
}

// TestWritePlanMarks: the three marks, one line each, as check prints them.
func TestWritePlanMarks(t *testing.T) {
	c, err := Load([]string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=kafka", "SUPERVISOR_DATA_DIR=/data",
		"KAFKA_LOG_RETENTION_HOURS=100", "KAFKA_MESSAGE_MAX_BYTES=2000000", "KAFKA_NUM_IO_THREADS=8"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c.WritePlan(&buf)
	for _, want := range []string{
		"\n/data/run/server.properties, from testdata/dist-3.9.1/config/server.properties:\n",
		"\n  ~ log.retention.hours=100 (base: 168)\n",
		"\n  + message.max.bytes=2000000\n",
		"\n  = num.io.threads=8\n",
		"\n  = broker.id=0\n",
		"\n  + listeners=PLAINTEXT://0.0.0.0:9092\n", // commented out in the base
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestJavaTmpDir: a broker whose /tmp is not writable gets a
// java.io.tmpdir under the data directory, added to its own KAFKA_OPTS,
// unless KAFKA_OPTS names one; a writable /tmp changes nothing.
func TestJavaTmpDir(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     string
		writable bool
		want     string
	}{
		{"writable", "", true, ""},
		{"read-only", "", false, "/data/tmp"},
		{"read-only, given", "-Xss1m -Djava.io.tmpdir=/scratch", false, ""},
	} {
		if have := javaTmpDir(tc.opts, "/data", tc.writable); have != tc.want {
			t.Errorf("%s: want %q, have %q", tc.name, tc.want, have)
		}
	}
	c := &Config{Env: []string{"PATH=/bin", "KAFKA_OPTS=-javaagent:a.jar"}, LogDir: "/data/logs", JavaTmpDir: "/data/tmp"}
	want := []string{"PATH=/bin", "KAFKA_OPTS=-javaagent:a.jar -Djava.io.tmpdir=/data/tmp", "LOG_DIR=/data/logs"}
	if have := c.KafkaEnv(); !reflect.DeepEqual(want, have) {
		t.Errorf("kafka env:\nwant %q\nhave %q", want, have)
	}
	c.Env = []string{"PATH=/bin"}
	want = []string{"PATH=/bin", "LOG_DIR=/data/logs", "KAFKA_OPTS=-Djava.io.tmpdir=/data/tmp"}
	if have := c.KafkaEnv(); !reflect.DeepEqual(want, have) {
		t.Errorf("kafka env without KAFKA_OPTS:\nwant %q\nhave %q", want, have)
	}
}
