package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

func TestLoadEnsemble(t *testing.T) {
	const home, zkRole = "KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=zookeeper"
	base := []props.KV{{Key: "dataDir", Value: "/var/lib/kafka/zookeeper"}, {Key: "clientPort", Value: "2181"}}
	for _, tc := range []struct {
		name     string
		env      []string
		wantZK   []props.KV
		wantID   int
		wantBkID int
	}{
		{
			name:   "standalone without servers",
			env:    []string{home, zkRole},
			wantZK: base,
		},
		{
			name: "three servers, default ports, ordinal of a pod",
			env:  []string{home, zkRole, "HOSTNAME=zk-2", "ZOOKEEPER_SERVERS=zk-0.zk,zk-1.zk, zk-2.zk", "ZOOKEEPER_MY_ID=ordinal"},
			wantZK: append(base[:2:2],
				props.KV{Key: "initLimit", Value: "10"}, props.KV{Key: "syncLimit", Value: "5"},
				props.KV{Key: "quorumListenOnAllIPs", Value: "true"},
				props.KV{Key: "server.1", Value: "zk-0.zk:2888:3888"},
				props.KV{Key: "server.2", Value: "zk-1.zk:2888:3888"},
				props.KV{Key: "server.3", Value: "zk-2.zk:2888:3888"}),
			wantID: 3,
		},
		{
			name: "own ports, IPv6, limits and listening from variables",
			env: []string{home, zkRole, "ZOOKEEPER_SERVERS=10.0.0.1:2890:3890,[fd00::2]:2891:3891", "ZOOKEEPER_MY_ID=2",
				"ZOOKEEPER_INIT_LIMIT=20", "ZOOKEEPER_SYNC_LIMIT=2", "ZOOKEEPER_QUORUM_LISTEN_ON_ALL_IPS=false"},
			wantZK: append(base[:2:2],
				props.KV{Key: "initLimit", Value: "20"}, props.KV{Key: "syncLimit", Value: "2"},
				props.KV{Key: "quorumListenOnAllIPs", Value: "false"},
				props.KV{Key: "server.1", Value: "10.0.0.1:2890:3890"},
				props.KV{Key: "server.2", Value: "[fd00::2]:2891:3891"}),
			wantID: 2,
		},
		{
			name:   "an id without servers is written for a standalone, which ignores it",
			env:    []string{home, zkRole, "ZOOKEEPER_MY_ID=7"},
			wantZK: base,
			wantID: 7,
		},
		{
			name:   "the host name may be a pod's full name",
			env:    []string{home, "HOSTNAME=kafka-12.kafka.default.svc.cluster.local", "KAFKA_BROKER_ID=ordinal"},
			wantZK: base, wantBkID: 12,
		},
		{
			name:   "a broker id from a number, as before",
			env:    []string{home, "HOSTNAME=kafka-3", "KAFKA_BROKER_ID=40"},
			wantZK: base, wantBkID: 40,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.wantZK, c.ZooKeeperProps; !reflect.DeepEqual(want, have) {
				t.Errorf("zookeeper properties:\nwant %v\nhave %v", want, have)
			}
			if want, have := tc.wantID, c.MyID; want != have {
				t.Errorf("myid: want %d, have %d", want, have)
			}
			if c.Role.RunsKafka() {
				if want, have := tc.wantBkID, c.BrokerID; want != have {
					t.Errorf("broker id: want %d, have %d", want, have)
				}
				if want, have := (props.KV{Key: "broker.id", Value: strconv.Itoa(tc.wantBkID)}), c.KafkaProps[0]; want != have {
					t.Errorf("broker.id property: want %v, have %v", want, have)
				}
				if n := len(slices.DeleteFunc(slices.Clone(c.KafkaProps), func(kv props.KV) bool { return kv.Key != "broker.id" })); n != 1 {
					t.Errorf("broker.id set %d times: %v", n, c.KafkaProps)
				}
			}
			for _, kv := range c.ZooKeeperProps {
				if kv.Key == "servers" || kv.Key == "my.id" {
					t.Errorf("reserved variable written as a property: %v", kv)
				}
			}
		})
	}
}

func TestLoadEnsembleErrors(t *testing.T) {
	const home, zkRole = "KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=zookeeper"
	const serversWant = "want host[:peerPort:electionPort],… (ports 1 to 65535, 2888:3888 when left out), 1 to 255 entries"
	many := strings.TrimSuffix(strings.Repeat("zk,", 256), ",")
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"empty entry", []string{home, zkRole, "ZOOKEEPER_SERVERS=a,,b", "ZOOKEEPER_MY_ID=1"}, `ZOOKEEPER_SERVERS: entry 2 "" is not host[:peerPort:electionPort]; ` + serversWant},
		{"one port", []string{home, zkRole, "ZOOKEEPER_SERVERS=a:2888", "ZOOKEEPER_MY_ID=1"}, `ZOOKEEPER_SERVERS: entry 1 "a:2888" is not host[:peerPort:electionPort]`},
		{"port zero", []string{home, zkRole, "ZOOKEEPER_SERVERS=a,b:0:3888", "ZOOKEEPER_MY_ID=1"}, `entry 2 "b:0:3888" is not`},
		{"port too big", []string{home, zkRole, "ZOOKEEPER_SERVERS=a:2888:65536", "ZOOKEEPER_MY_ID=1"}, `entry 1 "a:2888:65536" is not`},
		{"same ports", []string{home, zkRole, "ZOOKEEPER_SERVERS=a:2888:2888", "ZOOKEEPER_MY_ID=1"}, `entry 1 "a:2888:2888" is not`},
		{"no host", []string{home, zkRole, "ZOOKEEPER_SERVERS=:2888:3888", "ZOOKEEPER_MY_ID=1"}, `entry 1 ":2888:3888" is not`},
		{"space in host", []string{home, zkRole, "ZOOKEEPER_SERVERS=a b", "ZOOKEEPER_MY_ID=1"}, `entry 1 "a b" is not`},
		{"bare IPv6", []string{home, zkRole, "ZOOKEEPER_SERVERS=fd00::1", "ZOOKEEPER_MY_ID=1"}, `entry 1 "fd00::1" is not`},
		{"too many", []string{home, zkRole, "ZOOKEEPER_SERVERS=" + many, "ZOOKEEPER_MY_ID=1"}, `ZOOKEEPER_SERVERS: 256 entries; ` + serversWant},
		{"no id", []string{home, zkRole, "ZOOKEEPER_SERVERS=a,b,c"}, `ZOOKEEPER_MY_ID: unset, but ZOOKEEPER_SERVERS lists an ensemble`},
		{"id past the list", []string{home, zkRole, "ZOOKEEPER_SERVERS=a,b,c", "ZOOKEEPER_MY_ID=4"}, `ZOOKEEPER_MY_ID: 4, but ZOOKEEPER_SERVERS lists 3 servers; want a number from 1 to 3 (or ordinal, on pods 0 to 2)`},
		{"ordinal past the list", []string{home, zkRole, "ZOOKEEPER_SERVERS=a,b,c", "ZOOKEEPER_MY_ID=ordinal", "HOSTNAME=zk-3"}, `ZOOKEEPER_MY_ID: 4, but ZOOKEEPER_SERVERS lists 3 servers`},
		{"id zero", []string{home, zkRole, "ZOOKEEPER_MY_ID=0"}, `ZOOKEEPER_MY_ID: "0" is not an id; want a number from 1 to 255, or ordinal`},
		{"id 256", []string{home, zkRole, "ZOOKEEPER_MY_ID=256"}, `ZOOKEEPER_MY_ID: "256" is not an id`},
		{"ordinal 255", []string{home, zkRole, "ZOOKEEPER_MY_ID=ordinal", "HOSTNAME=zk-255"}, `ZOOKEEPER_MY_ID: ordinal 255 of host name "zk-255" is past 254`},
		{"id without ordinal host", []string{home, zkRole, "ZOOKEEPER_MY_ID=ordinal", "HOSTNAME=zookeeper"}, `ZOOKEEPER_MY_ID: ordinal, but host name "zookeeper" does not end in -<number>`},
		{"id without host name", []string{home, zkRole, "ZOOKEEPER_MY_ID=ordinal"}, `ZOOKEEPER_MY_ID: ordinal, but host name "" does not end in -<number>`},
		{"broker id without ordinal host", []string{home, "KAFKA_BROKER_ID=ordinal", "HOSTNAME=kafka-x"}, `KAFKA_BROKER_ID: ordinal, but host name "kafka-x" does not end in -<number>; want a whole number from 0, or ordinal (the StatefulSet ordinal of HOSTNAME)`},
		{"broker id ordinal of a domain", []string{home, "KAFKA_BROKER_ID=ordinal", "HOSTNAME=kafka.svc-1"}, `KAFKA_BROKER_ID: ordinal, but host name "kafka.svc-1" does not end in -<number>`},
		{"broker id", []string{home, "KAFKA_BROKER_ID=-1"}, `KAFKA_BROKER_ID: "-1" is not a broker id`},
		{"role all", []string{home, "ZOOKEEPER_SERVERS=a,b,c", "ZOOKEEPER_MY_ID=1"}, `ZOOKEEPER_SERVERS: an ensemble member runs without a broker, but role all runs both`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.env)
			if err == nil {
				t.Fatalf("want error %q, have none", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want error containing %q, have %q", tc.want, err)
			}
		})
	}
}

// TestLoadEnsembleStaleServer: a file of one's own that names a member the
// list does not is refused rather than left to count in the quorum.
func TestLoadEnsembleStaleServer(t *testing.T) {
	conf := t.TempDir()
	if err := os.CopyFS(conf, os.DirFS("testdata/dist-3.9.1/config")); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(conf, ZooKeeperFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("initLimit=15\nserver.1=old:2888:3888\nserver.4=old:2888:3888\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	env := []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=zookeeper", "SUPERVISOR_CONFIG_DIR=" + conf, "ZOOKEEPER_MY_ID=1"}

	_, err = Load(append(env, "ZOOKEEPER_SERVERS=a,b,c"))
	if want := filepath.Join(conf, ZooKeeperFile) + ": has server.4, which ZOOKEEPER_SERVERS does not list"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("want error %q, have %v", want, err)
	}
	// With four servers, the file's server.1 is replaced and its initLimit kept.
	c, err := Load(append(env, "ZOOKEEPER_SERVERS=a,b,c,d"))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range c.ZooKeeperProps {
		if kv.Key == "initLimit" {
			t.Errorf("the file's initLimit is overridden: %v", kv)
		}
		if kv.Key == "server.1" && kv.Value != "a:2888:3888" {
			t.Errorf("server.1: want a:2888:3888, have %s", kv.Value)
		}
	}
}

// TestPrepareEnsembleGolden writes an ensemble member's zookeeper.properties
// and myid twice: the file matches testdata/golden, and the second run
// changes neither file.
func TestPrepareEnsembleGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		home   string
		env    []string
		wantID string
	}{
		{"3.9.1-ensemble", "testdata/dist-3.9.1", []string{"HOSTNAME=zk-1", "ZOOKEEPER_MY_ID=ordinal",
			"ZOOKEEPER_SERVERS=zk-0.zk-headless.kafka.svc.cluster.local,zk-1.zk-headless.kafka.svc.cluster.local,zk-2.zk-headless.kafka.svc.cluster.local",
			"ZOOKEEPER_TICK_TIME=1000"}, "2\n"},
		{"0.8.2.1-ensemble", "testdata/dist-0.8.2.1", []string{"ZOOKEEPER_MY_ID=1",
			"ZOOKEEPER_SERVERS=10.1.0.1:2889:3889,10.1.0.2:2889:3889,10.1.0.3:2889:3889", "ZOOKEEPER_SYNC_LIMIT=3"}, "1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "config")
			if err := os.CopyFS(conf, os.DirFS(filepath.Join(tc.home, "config"))); err != nil {
				t.Fatal(err)
			}
			zkData := filepath.Join(dir, "zk")
			env := append([]string{"KAFKA_HOME=" + tc.home, "SUPERVISOR_ROLE=zookeeper", "SUPERVISOR_CONFIG_DIR=" + conf,
				"SUPERVISOR_DATA_DIR=" + dir, "ZOOKEEPER_DATA_DIR=" + zkData}, tc.env...)
			var myidInfo os.FileInfo
			for run := 1; run <= 2; run++ {
				c, err := Load(env)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Prepare(); err != nil {
					t.Fatal(err)
				}
				// The data directory is the test's own: make the golden file
				// independent of it.
				have, err := os.ReadFile(filepath.Join(c.RunDir, ZooKeeperFile))
				if err != nil {
					t.Fatal(err)
				}
				have = bytes.ReplaceAll(have, []byte(zkData), []byte("/data/zookeeper"))
				golden := filepath.Join("testdata", "golden", tc.name+"-"+ZooKeeperFile)
				if *update && run == 1 {
					if err := os.WriteFile(golden, have, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(want, have) {
					t.Errorf("run %d: %s differs from %s:\n%s", run, ZooKeeperFile, golden, have)
				}
				myid := filepath.Join(zkData, "myid")
				id, err := os.ReadFile(myid)
				if err != nil {
					t.Fatal(err)
				}
				if want, have := tc.wantID, string(id); want != have {
					t.Errorf("run %d: myid: want %q, have %q", run, want, have)
				}
				info, err := os.Stat(myid)
				if err != nil {
					t.Fatal(err)
				}
				if run == 2 && !os.SameFile(myidInfo, info) {
					t.Error("myid was rewritten although it did not change")
				}
				myidInfo = info
			}
		})
	}
}

// TestPrepareReplacesMyID: a myid left by another member on the volume is
// replaced.
func TestPrepareReplacesMyID(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	if err := os.CopyFS(conf, os.DirFS("testdata/dist-3.9.1/config")); err != nil {
		t.Fatal(err)
	}
	zkData := filepath.Join(dir, "zk")
	if err := os.MkdirAll(zkData, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(zkData, "myid"), []byte("3"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=zookeeper", "SUPERVISOR_CONFIG_DIR=" + conf,
		"SUPERVISOR_DATA_DIR=" + dir, "ZOOKEEPER_DATA_DIR=" + zkData, "ZOOKEEPER_SERVERS=a,b,c", "ZOOKEEPER_MY_ID=2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	id, err := os.ReadFile(filepath.Join(zkData, "myid"))
	if err != nil {
		t.Fatal(err)
	}
	if want, have := "2\n", string(id); want != have {
		t.Errorf("myid: want %q, have %q", want, have)
	}
}
