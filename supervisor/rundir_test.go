package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

// readOnlyMounts is a wrap for startIn: the supervisor runs in a private
// mount namespace of its own in which each of dirs is bind-mounted on
// itself read-only, as docker run --read-only or a ConfigMap would give
// it. The mounts show nowhere else, and go with the namespace. With
// --fork the supervisor is unshare's child, as supervisorPid expects, and
// --kill-child ends it with unshare.
func readOnlyMounts(t *testing.T, dirs ...string) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "mounts need root")
	}
	if out, err := exec.Command("unshare", "--mount", "true").CombinedOutput(); err != nil {
		missing(t, "no mount namespace: %v: %s", err, out)
	}
	const script = `n=$1; shift
while [ "$n" -gt 0 ]; do
	mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 125
	shift; n=$((n-1))
done
exec "$@"`
	return append([]string{"unshare", "--mount", "--propagation", "private", "--fork", "--kill-child",
		"sh", "-c", script, "sh", strconv.Itoa(len(dirs))}, dirs...)
}

// mountedReadOnly reports whether dir is a read-only mount point in the
// mount namespace of pid.
func mountedReadOnly(t *testing.T, pid int, dir string) bool {
	t.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mount-point options …
		fields := strings.Fields(sc.Text())
		if len(fields) > 5 && fields[4] == dir && strings.Contains(","+fields[5]+",", ",ro,") {
			return true
		}
	}
	return false
}

// effective reads a properties file the supervisor wrote.
func effective(t *testing.T, path string) *props.File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := props.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// brokerConfig asks the running broker for one of its settings: the value
// in effect and where it came from.
func brokerConfig(t *testing.T, in *instance, name string) (string, sarama.ConfigSource) {
	t.Helper()
	version := distVersion(t, in.dist)
	if !version.IsAtLeast(sarama.V1_1_0_0) {
		t.Skipf("broker %s has no DescribeConfigs with sources (from 1.1); run it with TEST_KAFKA_DIST of 3.9.1", version)
	}
	admin, err := sarama.NewClusterAdminFromClient(saramaClientFor(t, in.kafkaAddr, version))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.BrokerResource, Name: "0", ConfigNames: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name == name {
			return e.Value, e.Source
		}
	}
	t.Fatalf("broker 0 has no %s", name)
	return "", 0
}

// TestStartAgainWithoutVariable: a property a variable set at one start is
// gone at the next start without it, from the effective file and from the
// running broker, and the base is never written.
func TestStartAgainWithoutVariable(t *testing.T) {
	const name, value = "message.max.bytes", "2000000"
	first := startSupervisor(t, "KAFKA_MESSAGE_MAX_BYTES="+value)
	base := filepath.Join(first.dir, "config")
	stock := readAll(t, base)
	run := filepath.Join(first.dir, "data", "run", "server.properties")
	first.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	if have, ok := effective(t, run).Get(name); !ok || have != value {
		t.Errorf("first start: effective %s: want %q, have %q (set %v)", name, value, have, ok)
	}
	if have, source := brokerConfig(t, first, name); have != value || source != sarama.SourceStaticBroker {
		t.Errorf("first start: broker's %s: want %q from its file, have %q (source %v)", name, value, have, source)
	}
	first.stopCleanly()

	second := first.restart()
	second.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	if have, ok := effective(t, run).Get(name); ok {
		t.Errorf("second start: effective file still sets %s=%s", name, have)
	}
	if have, source := brokerConfig(t, second, name); have == value || source != sarama.SourceDefault {
		t.Errorf("second start: broker's %s: want its default, have %q (source %v)", name, have, source)
	}
	second.stopCleanly()
	if have := readAll(t, base); !reflect.DeepEqual(stock, have) {
		t.Error("the base files changed")
	}
}

// readAll reads every file of dir by name.
func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = data
	}
	return out
}

// TestReadOnlyBase: with its configuration directory and the whole
// distribution on read-only mounts, as in a container run with
// --read-only and a data volume, the supervisor reaches ready and stops
// cleanly, and the base files are byte for byte as they were.
func TestReadOnlyBase(t *testing.T) {
	dist := kafkaDist(t)
	dir := t.TempDir()
	base := filepath.Join(dir, "config")
	copyDir(t, filepath.Join(dist, "config"), base)
	stock := readAll(t, base)
	in := start(t, dir, readOnlyMounts(t, base, dist))
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	for _, d := range []string{base, dist} {
		if !mountedReadOnly(t, in.supervisorPid(), d) {
			t.Fatalf("%s is not a read-only mount where the supervisor runs", d)
		}
	}
	f := effective(t, filepath.Join(dir, "data", "run", "server.properties"))
	if have, _ := f.Get("listeners"); have != "PLAINTEXT://0.0.0.0:"+strings.TrimPrefix(in.kafkaAddr, "127.0.0.1:") {
		t.Errorf("effective listeners: %q", have)
	}
	if have, _ := f.Get("zookeeper.connect"); have != "127.0.0.1:"+strconv.Itoa(in.zkPort) {
		t.Errorf("effective zookeeper.connect: %q", have)
	}
	in.stopCleanly()
	if have := readAll(t, base); !reflect.DeepEqual(stock, have) {
		t.Error("the base files changed")
	}
}

// TestCheckRefusesLikeStart: what a start refuses once the values are
// good, a taken port or a data directory on a read-only mount, check
// refuses too, before anything starts, with exit code 2 and the same line.
func TestCheckRefusesLikeStart(t *testing.T) {
	dist := kafkaDist(t)
	taken := listenAny(t)
	for _, tc := range []struct {
		name string
		env  []string
		ro   bool // the data directory on a read-only mount
		want string
	}{
		{"kafka port taken", []string{"KAFKA_PORT=" + taken}, false,
			"supervisor: KAFKA_PORT: cannot listen on 0.0.0.0:" + taken + ": address already in use; want a free port"},
		{"zookeeper port taken", []string{"ZOOKEEPER_CLIENT_PORT=" + taken}, false,
			"supervisor: ZOOKEEPER_CLIENT_PORT: cannot listen on :" + taken + ": address already in use; want a free port"},
		{"health port taken", []string{"SUPERVISOR_HTTP_ADDR=0.0.0.0:" + taken}, false,
			"supervisor: SUPERVISOR_HTTP_ADDR: cannot listen on 0.0.0.0:" + taken + ": address already in use; want a free port"},
		{"read-only data dir", nil, true,
			"supervisor: SUPERVISOR_DATA_DIR: cannot create @/run: @: read-only file system; want a writable directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			if err := os.Mkdir(data, 0o755); err != nil {
				t.Fatal(err)
			}
			var wrap []string
			if tc.ro {
				wrap = readOnlyMounts(t, data)
			}
			env := append(os.Environ(), "KAFKA_HOME="+dist, "SUPERVISOR_DATA_DIR="+data,
				"SUPERVISOR_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(freePort(t)),
				"ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(freePort(t)), "KAFKA_PORT="+strconv.Itoa(freePort(t)))
			env = append(env, tc.env...)
			want := strings.ReplaceAll(tc.want, "@", data)
			var lines []string
			for _, args := range [][]string{{"check"}, nil} {
				argv := append(append(append([]string(nil), wrap...), binary), args...)
				cmd := exec.Command(argv[0], argv[1:]...)
				cmd.Env = env
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				cmd.Run()
				if want, have := 2, cmd.ProcessState.ExitCode(); want != have {
					t.Errorf("%q: exit code: want %d, have %d\n%s", args, want, have, stderr.String())
				}
				if strings.Contains(stdout.String()+stderr.String(), "started:") {
					t.Errorf("%q: a child was started", args)
				}
				lines = append(lines, strings.TrimSpace(stderr.String()))
			}
			if want, have := []string{want, want}, lines; !reflect.DeepEqual(want, have) {
				t.Errorf("check, then start:\nwant %q\nhave %q", want, have)
			}
			entries, err := os.ReadDir(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 0 {
				t.Errorf("written in the data directory: %v", entries)
			}
		})
	}
}
