package main

import (
	"bytes"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// listenAny holds a port on all interfaces until the test ends.
func listenAny(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestBadEnvironment: each wrong environment gets one line naming the
// variable or path, exit code 2, no child started, and the configuration
// files untouched.
func TestBadEnvironment(t *testing.T) {
	dist := kafkaDist(t)
	taken := listenAny(t)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string // in the one error line
	}{
		{"unknown role", []string{"SUPERVISOR_ROLE=both"}, `SUPERVISOR_ROLE: "both" is not a role; want all, zookeeper or kafka (zookeeper mode); all, controller or broker (kraft mode)`},
		{"broker id not a number", []string{"KAFKA_BROKER_ID=one"}, `KAFKA_BROKER_ID: "one" is not a broker id`},
		{"negative broker id", []string{"KAFKA_BROKER_ID=-1"}, `KAFKA_BROKER_ID: "-1" is not a broker id`},
		{"port out of range", []string{"KAFKA_PORT=70000"}, `KAFKA_PORT: "70000" is not a port`},
		{"zookeeper port", []string{"ZOOKEEPER_CLIENT_PORT=zk"}, `ZOOKEEPER_CLIENT_PORT: "zk" is not a port`},
		{"missing kafka home", []string{"KAFKA_HOME=/nonexistent/kafka"}, `KAFKA_HOME: /nonexistent/kafka has no bin/kafka-server-start.sh`},
		{"relative data dir", []string{"SUPERVISOR_DATA_DIR=data"}, `SUPERVISOR_DATA_DIR: "data" is not absolute`},
		{"unwritable data dir", []string{"SUPERVISOR_DATA_DIR=" + file + "/data"}, file + "/data"},
		{"stop timeout", []string{"SUPERVISOR_STOP_TIMEOUT=soon"}, `SUPERVISOR_STOP_TIMEOUT: "soon" is not a duration`},
		{"log format", []string{"SUPERVISOR_LOG_FORMAT=xml"}, `SUPERVISOR_LOG_FORMAT: "xml" is not a format; want text or json`},
		{"log level", []string{"SUPERVISOR_LOG_LEVEL=loud"}, `SUPERVISOR_LOG_LEVEL: "loud" is not a level`},
		{"health port taken", []string{"SUPERVISOR_HTTP_ADDR=0.0.0.0:" + taken}, "SUPERVISOR_HTTP_ADDR: cannot listen"},
		{"zookeeper connect", []string{"KAFKA_ZOOKEEPER_CONNECT=zk:two"}, `KAFKA_ZOOKEEPER_CONNECT: "zk:two" is not a connect string`},
		{"replicas in role all", []string{"KAFKA_CREATE_TOPICS=t:1:3"}, `KAFKA_CREATE_TOPICS: topic "t": replicas 3, but role all runs one broker`},
		{"no plaintext listener", []string{"KAFKA_LISTENERS=SSL://:9093"}, `KAFKA_LISTENERS: "SSL://:9093" has no PLAINTEXT listener`},
		{"topic spec", []string{"KAFKA_CREATE_TOPICS=a:1"}, `KAFKA_CREATE_TOPICS: "a:1": want name:partitions:replicas[:cleanup.policy]`},
		{"topic name", []string{"KAFKA_CREATE_TOPICS=a/b:1:1"}, `KAFKA_CREATE_TOPICS: topic "a/b": name has '/'`},
		{"newline in a property", []string{"KAFKA_LOG_RETENTION_HOURS=1\nbroker.id=9"}, "KAFKA_LOG_RETENTION_HOURS: value holds a newline"},
		{"carriage return in a zookeeper property", []string{"ZOOKEEPER_TICK_TIME=2000\r"}, "ZOOKEEPER_TICK_TIME: value holds a newline or NUL"},
		{"zookeeper servers", []string{"SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_SERVERS=zk-0,zk-1:2888", "ZOOKEEPER_MY_ID=1"}, `ZOOKEEPER_SERVERS: entry 2 "zk-1:2888" is not host[:peerPort:electionPort]`},
		{"ensemble without an id", []string{"SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_SERVERS=zk-0,zk-1,zk-2"}, `ZOOKEEPER_MY_ID: unset, but ZOOKEEPER_SERVERS lists an ensemble`},
		{"ensemble in role all", []string{"ZOOKEEPER_SERVERS=zk-0,zk-1,zk-2", "ZOOKEEPER_MY_ID=1"}, `ZOOKEEPER_SERVERS: an ensemble member runs without a broker, but role all runs both`},
		{"ordinal of a host without one", []string{"HOSTNAME=kafka", "KAFKA_BROKER_ID=ordinal"}, `KAFKA_BROKER_ID: ordinal, but host name "kafka" does not end in -<number>`},
		{"newline in the data dir", []string{"SUPERVISOR_DATA_DIR=/tmp/data\nbroker.id=9"}, "SUPERVISOR_DATA_DIR: value holds a newline or NUL"},
		{"newline in the server log dir", []string{"LOG_DIR=/tmp/logs\n"}, "LOG_DIR: value holds a newline or NUL"},
		{"newline in a listener", []string{"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://a:9092\nbroker.id=9"}, "KAFKA_ADVERTISED_LISTENERS: value holds a newline"},
		{"newline in the connect string", []string{"KAFKA_ZOOKEEPER_CONNECT=zk:2181\nbroker.id=9"}, `KAFKA_ZOOKEEPER_CONNECT: "zk:2181\nbroker.id=9" is not a connect string`},
		{"kafka home without kafka", []string{"KAFKA_HOME=" + filepath.Dir(file)}, "KAFKA_HOME: " + filepath.Dir(file) + " has no bin/kafka-server-start.sh"},
		{"kafka version", []string{"KAFKA_VERSION=latest"}, `KAFKA_VERSION: "latest" is not a version`},
		{"missing configuration file", []string{"SUPERVISOR_CONFIG_DIR=" + filepath.Dir(file)}, filepath.Join(filepath.Dir(file), "zookeeper.properties") + ": no such file or directory"},
		{"unwritable kafka log dir", []string{"KAFKA_LOG_DIRS=" + file + "/kafka"}, file + "/kafka"},
		{"start timeout", []string{"SUPERVISOR_START_TIMEOUT=0"}, `SUPERVISOR_START_TIMEOUT: "0" is not a duration`},
		{"restart policy", []string{"SUPERVISOR_RESTART=always"}, `SUPERVISOR_RESTART: "always" is not a restart policy; want never or on-failure`},
		{"restart limit", []string{"SUPERVISOR_RESTART=on-failure", "SUPERVISOR_RESTART_LIMIT=-1"}, `SUPERVISOR_RESTART_LIMIT: "-1" is not a restart limit`},
		{"restart backoff", []string{"SUPERVISOR_RESTART_BACKOFF=later"}, `SUPERVISOR_RESTART_BACKOFF: "later" is not a duration`},
		{"zookeeper port taken", []string{"ZOOKEEPER_CLIENT_PORT=" + taken}, "ZOOKEEPER_CLIENT_PORT: cannot listen on :" + taken},
		{"kafka port taken", []string{"KAFKA_PORT=" + taken}, "KAFKA_PORT: cannot listen on 0.0.0.0:" + taken},
		{"listener port taken", []string{"KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:" + taken}, "KAFKA_LISTENERS: cannot listen on 127.0.0.1:" + taken},
		{"kafka port taken, role kafka", []string{"SUPERVISOR_ROLE=kafka", "KAFKA_PORT=" + taken}, "KAFKA_PORT: cannot listen on 0.0.0.0:" + taken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
			cmd := exec.Command(binary)
			cmd.Env = append(os.Environ(),
				"KAFKA_HOME="+dist,
				"SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
				"SUPERVISOR_DATA_DIR="+filepath.Join(dir, "data"),
				"SUPERVISOR_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(freePort(t)),
				"ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(freePort(t)),
				"KAFKA_PORT="+strconv.Itoa(freePort(t)),
			)
			cmd.Env = append(cmd.Env, tc.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			if err == nil || code != 2 {
				t.Errorf("exit code: want 2, have %d (%v)", code, err)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if want, have := 1, len(lines); want != have {
				t.Errorf("want %d line, have %d: %q", want, have, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("want a line containing %q, have %q", tc.want, stderr.String())
			}
			if strings.Contains(stderr.String(), "started:") {
				t.Error("a child was started")
			}
			// Directories may have been made before one was refused, but
			// nothing was written in them.
			_ = filepath.WalkDir(filepath.Join(dir, "data"), func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					t.Errorf("%s was written", path)
				}
				return nil
			})
			for _, f := range []string{"server.properties", "zookeeper.properties"} {
				stock, _ := os.ReadFile(filepath.Join(dist, "config", f))
				have, _ := os.ReadFile(filepath.Join(dir, "config", f))
				if !bytes.Equal(stock, have) {
					t.Errorf("%s was changed", f)
				}
			}
		})
	}
}

// TestCheck prints the plan, each property marked against the base (+
// added, ~ changed, = as the base has it), and starts nothing nor writes
// anything.
func TestCheck(t *testing.T) {
	dist := kafkaDist(t)
	dir := t.TempDir()
	copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	data := filepath.Join(dir, "data")
	port := strconv.Itoa(freePort(t))
	cmd := exec.Command(binary, "check")
	cmd.Env = append(os.Environ(), "KAFKA_HOME="+dist, "SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
		"SUPERVISOR_DATA_DIR="+data, "SUPERVISOR_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(freePort(t)),
		"ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(freePort(t)), "KAFKA_CREATE_TOPICS=kafka-on-kubernetes:1:1,compacted:3:1:compact",
		"KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:"+port, "KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://10.1.2.3:9092",
		"KAFKA_NUM_PARTITIONS=4", "KAFKA_NUM_NETWORK_THREADS=3", "KAFKA_PORT=tcp://10.0.0.9:9092")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, want := range []string{
		"kafka home: " + dist + " (version 3.9.1)",
		"\n" + data + "/run/server.properties, from " + filepath.Join(dir, "config", "server.properties") + ":\n",
		"  + listeners=PLAINTEXT://127.0.0.1:" + port + "\n",
		"  + advertised.listeners=PLAINTEXT://10.1.2.3:9092\n",
		"  ~ log.dirs=" + data + "/kafka (base: /tmp/kafka-logs)\n",
		"  ~ num.partitions=4 (base: 1)\n",
		"  = num.network.threads=3\n",
		"  ~ dataDir=" + data + "/zookeeper (base: /tmp/zookeeper)\n",
		"  kafka-on-kubernetes: partitions=1 replicas=1\n",
		"  compacted: partitions=3 replicas=1 cleanup.policy=compact\n",
		"ignored: KAFKA_PORT (Kubernetes service link)",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("check made %s: %v", data, err)
	}
	for _, f := range []string{"server.properties", "zookeeper.properties"} {
		stock, _ := os.ReadFile(filepath.Join(dist, "config", f))
		have, _ := os.ReadFile(filepath.Join(dir, "config", f))
		if !bytes.Equal(stock, have) {
			t.Errorf("check changed %s", f)
		}
	}
}
