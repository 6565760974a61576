package config

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// snapshot reads every file under dir, to show that it did not change.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := make(map[string]string)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestPrepareGolden renders the stock files of each fixture distribution,
// read in place as the base, twice: the effective files in the run
// directory match testdata/golden both times (the same base and
// environment give the same bytes), and the base is left as it was.
func TestPrepareGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"3.9.1", []string{"KAFKA_HOME=testdata/dist-3.9.1", "KAFKA_ADVERTISED_HOST_NAME=10.4.0.7",
			"KAFKA_AUTO_CREATE_TOPICS_ENABLE=false", "ZOOKEEPER_ADMIN_SERVER_PORT=8081"}},
		{"0.8.2.1", []string{"KAFKA_HOME=testdata/dist-0.8.2.1", "KAFKA_BROKER_ID=2", "KAFKA_LOG_RETENTION_HOURS=24"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			home := strings.TrimPrefix(tc.env[0], "KAFKA_HOME=")
			base := snapshot(t, filepath.Join(home, "config"))
			run := filepath.Join(dir, "run")
			env := append(tc.env, "SUPERVISOR_DATA_DIR=/data", "SUPERVISOR_RUN_DIR="+run)
			for n := 1; n <= 2; n++ {
				c, err := Load(env)
				if err != nil {
					t.Fatal(err)
				}
				// Data directories go to the test's own folder; /data only
				// appears in the files.
				c.LogDir, c.ZooKeeperDataDir, c.KafkaDataDirs = filepath.Join(dir, "logs"), filepath.Join(dir, "zk"), []string{filepath.Join(dir, "kafka")}
				if err := c.Prepare(); err != nil {
					t.Fatal(err)
				}
				for _, f := range []string{ServerFile, ZooKeeperFile} {
					have, err := os.ReadFile(filepath.Join(run, f))
					if err != nil {
						t.Fatal(err)
					}
					golden := filepath.Join("testdata", "golden", tc.name+"-"+f)
					if *update && n == 1 {
						if err := os.WriteFile(golden, have, 0o644); err != nil {
							t.Fatal(err)
						}
					}
					want, err := os.ReadFile(golden)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(want, have) {
						t.Errorf("run %d: %s differs from %s", n, f, golden)
					}
				}
				if have := snapshot(t, filepath.Join(home, "config")); !reflect.DeepEqual(base, have) {
					t.Errorf("run %d: the base files changed", n)
				}
			}
		})
	}
}

// TestRenderForgets: a property set by a variable at one start is not in
// the effective file of the next start without it, and the base is never
// written.
func TestRenderForgets(t *testing.T) {
	run := t.TempDir()
	env := []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_DATA_DIR=" + run, "SUPERVISOR_RUN_DIR=" + run}
	base := snapshot(t, "testdata/dist-3.9.1/config")
	for _, tc := range []struct {
		env  []string
		want bool // message.max.bytes in the effective file
	}{
		{[]string{"KAFKA_MESSAGE_MAX_BYTES=2000000", "KAFKA_LOG_RETENTION_HOURS=100"}, true},
		{nil, false},
	} {
		c, err := Load(append(env, tc.env...))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Prepare(); err != nil {
			t.Fatal(err)
		}
		f := readEffective(t, filepath.Join(run, ServerFile))
		_, have := f.Get("message.max.bytes")
		if want := tc.want; want != have {
			t.Errorf("%q: message.max.bytes: want present %v, have %v", tc.env, want, have)
		}
		hours, _ := f.Get("log.retention.hours")
		if want := map[bool]string{true: "100", false: "168"}[tc.want]; want != hours {
			t.Errorf("%q: log.retention.hours: want %q, have %q", tc.env, want, hours)
		}
	}
	if have := snapshot(t, "testdata/dist-3.9.1/config"); !reflect.DeepEqual(base, have) {
		t.Error("the base files changed")
	}
}

func readEffective(t *testing.T, path string) *props.File {
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

// TestRewrittenBase: a base that an earlier release rewrote in place (the
// golden files it wrote, which hold broker.id, zookeeper.connect,
// log.dirs, the listeners… already) still starts, the environment wins
// over every property the supervisor sets, and the file's other lines,
// its own or an earlier variable's, are kept.
func TestRewrittenBase(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want map[string]string // in server.properties; "" for zookeeper.properties' dataDir check
		zk   map[string]string
	}{
		{"3.9.1", []string{"KAFKA_HOME=testdata/dist-3.9.1", "KAFKA_BROKER_ID=7", "KAFKA_ZOOKEEPER_CONNECT=zk-0:2181/kafka",
			"KAFKA_ADVERTISED_HOST_NAME=kafka-7.kafka", "KAFKA_PORT=19092", "ZOOKEEPER_CLIENT_PORT=2999"},
			map[string]string{"broker.id": "7", "zookeeper.connect": "zk-0:2181/kafka", "listeners": "PLAINTEXT://0.0.0.0:19092",
				"advertised.listeners": "PLAINTEXT://kafka-7.kafka:19092", "log.dirs": "@/kafka",
				"auto.create.topics.enable": "false", "log.retention.hours": "168"},
			map[string]string{"dataDir": "@/zookeeper", "clientPort": "2999", "admin.serverPort": "8081"}},
		{"0.8.2.1", []string{"KAFKA_HOME=testdata/dist-0.8.2.1", "KAFKA_ADVERTISED_HOST_NAME=10.0.0.5", "KAFKA_LOG_DIRS=@/a,@/b"},
			map[string]string{"broker.id": "0", "zookeeper.connect": "localhost:2181", "host.name": "0.0.0.0", "port": "9092",
				"advertised.host.name": "10.0.0.5", "advertised.port": "9092", "log.dirs": "@/a,@/b", "log.retention.hours": "24"},
			map[string]string{"dataDir": "@/zookeeper", "clientPort": "2181"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			conf := filepath.Join("testdata", "rewritten-"+tc.name)
			base := snapshot(t, conf)
			env := []string{"SUPERVISOR_CONFIG_DIR=" + conf, "SUPERVISOR_DATA_DIR=" + data}
			for _, kv := range tc.env {
				env = append(env, strings.ReplaceAll(kv, "@", data))
			}
			c, err := Load(env)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Prepare(); err != nil {
				t.Fatal(err)
			}
			for file, want := range map[string]map[string]string{ServerFile: tc.want, ZooKeeperFile: tc.zk} {
				f := readEffective(t, filepath.Join(data, "run", file))
				for k, v := range want {
					if have, _ := f.Get(k); strings.ReplaceAll(v, "@", data) != have {
						t.Errorf("%s: %s: want %q, have %q", file, k, strings.ReplaceAll(v, "@", data), have)
					}
				}
				if keys := f.Keys(); len(keys) != len(uniq(keys)) {
					t.Errorf("%s: a key is set twice: %q", file, keys)
				}
			}
			if have := snapshot(t, conf); !reflect.DeepEqual(base, have) {
				t.Error("the base files changed")
			}
		})
	}
}

func uniq(keys []string) map[string]bool {
	m := make(map[string]bool)
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// TestCheckDirs: Check refuses a directory that cannot be made, and
// creates nothing, whether it refuses or not; Prepare then makes them.
func TestCheckDirs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string // the error, "" for none
	}{
		{"fresh data dir", []string{"SUPERVISOR_DATA_DIR=" + dir + "/data"}, ""},
		{"data dir under a file", []string{"SUPERVISOR_DATA_DIR=" + file + "/data"},
			"SUPERVISOR_DATA_DIR: cannot create " + file + "/data/run: " + file + ": not a directory; want a writable directory"},
		{"run dir is a file", []string{"SUPERVISOR_DATA_DIR=" + dir + "/data", "SUPERVISOR_RUN_DIR=" + file},
			"SUPERVISOR_RUN_DIR: cannot write in " + file + ": not a directory; want a writable directory"},
		{"kafka log dir under a file", []string{"SUPERVISOR_DATA_DIR=" + dir + "/data", "KAFKA_LOG_DIRS=" + dir + "/k1," + file + "/k2"},
			"KAFKA_LOG_DIRS: cannot create " + file + "/k2: " + file + ": not a directory; want a writable directory"},
		{"zookeeper data dir", []string{"SUPERVISOR_ROLE=zookeeper", "SUPERVISOR_DATA_DIR=" + dir + "/data", "ZOOKEEPER_DATA_DIR=" + file + "/zk"},
			"ZOOKEEPER_DATA_DIR: cannot create " + file + "/zk: " + file + ": not a directory; want a writable directory"},
		{"server log dir", []string{"SUPERVISOR_DATA_DIR=" + dir + "/data", "LOG_DIR=" + file},
			"LOG_DIR: cannot write in " + file + ": not a directory; want a writable directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(append([]string{"KAFKA_HOME=testdata/dist-3.9.1"}, tc.env...))
			if err != nil {
				t.Fatal(err)
			}
			anyPorts(c)
			before := snapshot(t, dir)
			entries, _ := os.ReadDir(dir)
			err = c.Check()
			if have := errString(err); tc.want != have {
				t.Errorf("check:\nwant %q\nhave %q", tc.want, have)
			}
			if after, again := snapshot(t, dir), mustReadDir(t, dir); !reflect.DeepEqual(before, after) || len(entries) != len(again) {
				t.Errorf("check changed %s", dir)
			}
			err = c.Prepare()
			if have := errString(err); tc.want != have {
				t.Errorf("prepare:\nwant %q\nhave %q", tc.want, have)
			}
		})
	}
}

// anyPorts points every address Check listens on at a port the kernel
// picks, so that Check's ports pass whatever runs beside the test.
func anyPorts(c *Config) {
	c.HTTPAddr = "127.0.0.1:0"
	c.ZooKeeperProps = []props.KV{{Key: "clientPortAddress", Value: "127.0.0.1"}, {Key: "clientPort", Value: "0"}}
	c.KafkaProps = []props.KV{{Key: "listeners", Value: "PLAINTEXT://127.0.0.1:0"}}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func mustReadDir(t *testing.T, dir string) []fs.DirEntry {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// mountNamespaceVar tells a test run again by inMountNamespace that it runs
// in the namespace.
const mountNamespaceVar = "CONFIG_TEST_MOUNT_NAMESPACE"

// inMountNamespace runs the calling test again, alone, in a private mount
// namespace of its own (unshare --mount), where it may mount without the
// mounts showing anywhere else. It returns true in that run; in the
// calling one it fails the test with the run's output unless the run
// passed, and returns false. It skips where mounts are impossible (not
// root, or no unshare), except with CI=true, where it fails.
func inMountNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(mountNamespaceVar) == t.Name() {
		return true
	}
	impossible := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs this test to run: "+format, args...)
		}
		t.Skipf(format, args...)
	}
	if os.Geteuid() != 0 {
		impossible("mounts need root")
	}
	if out, err := exec.Command("unshare", "--mount", "true").CombinedOutput(); err != nil {
		impossible("no mount namespace: %v: %s", err, out)
	}
	cmd := exec.Command("unshare", "--mount", "--propagation", "private",
		os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), mountNamespaceVar+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a mount namespace: %v\n%s", err, out)
	}
	return false
}

// readOnly bind-mounts dir on itself read-only until the test ends.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
		t.Fatalf("bind %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", dir, err)
	}
}

// TestCheckReadOnly: on a read-only mount, where root passes any check of
// the permission bits, Check refuses the data directory, existing or to
// be made, with the line Prepare gives, and the base may be read-only.
func TestCheckReadOnly(t *testing.T) {
	if !inMountNamespace(t) {
		return
	}
	ro := t.TempDir()
	if err := os.Mkdir(filepath.Join(ro, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(ro, "config"), os.DirFS("testdata/dist-3.9.1/config")); err != nil {
		t.Fatal(err)
	}
	readOnly(t, ro)
	if err := os.WriteFile(filepath.Join(ro, "probe"), nil, 0o644); err == nil {
		t.Fatal("the mount is writable")
	}
	rw := t.TempDir()
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"read-only base, writable data dir", []string{"SUPERVISOR_DATA_DIR=" + rw}, ""},
		{"data dir to be made", []string{"SUPERVISOR_DATA_DIR=" + ro + "/data"},
			"SUPERVISOR_DATA_DIR: cannot create " + ro + "/data/run: " + ro + ": read-only file system; want a writable directory"},
		{"existing server log dir", []string{"SUPERVISOR_DATA_DIR=" + rw, "LOG_DIR=" + ro + "/logs"},
			"LOG_DIR: cannot write in " + ro + "/logs: read-only file system; want a writable directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(append([]string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_CONFIG_DIR=" + ro + "/config"}, tc.env...))
			if err != nil {
				t.Fatal(err)
			}
			anyPorts(c)
			if have := errString(c.Check()); tc.want != have {
				t.Errorf("check:\nwant %q\nhave %q", tc.want, have)
			}
			err = c.Prepare()
			if tc.want == "" && err != nil {
				t.Errorf("prepare: %v", err)
			}
			if tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want[:strings.Index(tc.want, ":")])) {
				t.Errorf("prepare: want an error naming the same variable, have %v", err)
			}
		})
	}
}
