package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-on-kubernetes/supervisor/internal/storage"
)

const (
	dist440 = "KAFKA_HOME=testdata/dist-4.4.0"
	dist391 = "KAFKA_HOME=testdata/dist-3.9.1"
	dist282 = "KAFKA_HOME=testdata/dist-3.9.1" // with KAFKA_VERSION=2.8.2
)

func TestMode(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      []string
		wantMode Mode
		wantRole Role
	}{
		{"4.x is kraft", []string{dist440}, ModeKRaft, RoleCombined},
		{"4.x kraft asked", []string{dist440, "SUPERVISOR_MODE=kraft"}, ModeKRaft, RoleCombined},
		{"3.9 defaults to zookeeper", []string{dist391}, ModeZooKeeper, RoleAll},
		{"3.9 kraft asked", []string{dist391, "SUPERVISOR_MODE=KRaft"}, ModeKRaft, RoleCombined},
		{"3.9 zookeeper kafka role", []string{dist391, "SUPERVISOR_MODE=zookeeper", "SUPERVISOR_ROLE=kafka"}, ModeZooKeeper, RoleKafka},
		{"2.8 is zookeeper", []string{dist282, "KAFKA_VERSION=2.8.2"}, ModeZooKeeper, RoleAll},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(append(tc.env, "SUPERVISOR_DATA_DIR="+t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.wantMode, c.Mode; want != have {
				t.Errorf("mode: want %s, have %s", want, have)
			}
			if want, have := tc.wantRole, c.Role; want != have {
				t.Errorf("role: want %s, have %s", want, have)
			}
			if want, have := tc.wantMode == ModeKRaft, c.KRaft != nil; want != have {
				t.Errorf("kraft settings: want %v, have %v", want, have)
			}
			if want, have := tc.wantRole == RoleAll, c.Role.RunsZooKeeper(); want != have {
				t.Errorf("runs zookeeper: want %v, have %v", want, have)
			}
		})
	}
}

// TestKRaftDynamicQuorum: a combined node given bootstrap servers keeps
// no static voters, and advertises its controller listener, by which a
// dynamic quorum knows its voters.
func TestKRaftDynamicQuorum(t *testing.T) {
	c, err := Load([]string{dist440, "SUPERVISOR_DATA_DIR=" + t.TempDir(), "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=localhost:19093",
		"KAFKA_CONTROLLER_PORT=19093", "KAFKA_ADVERTISED_HOST_NAME=kafka-0"})
	if err != nil {
		t.Fatal(err)
	}
	f := c.files[0].file
	if v, ok := f.Get("controller.quorum.voters"); ok {
		t.Errorf("controller.quorum.voters: want unset, have %q", v)
	}
	for k, v := range map[string]string{
		"controller.quorum.bootstrap.servers": "localhost:19093",
		"advertised.listeners":                "PLAINTEXT://kafka-0:9092,CONTROLLER://kafka-0:19093",
	} {
		if have, _ := f.Get(k); have != v {
			t.Errorf("%s: want %q, have %q", k, v, have)
		}
	}
	if want, have := "localhost:19093", c.KRaft.Bootstrap; want != have {
		t.Errorf("bootstrap: want %q, have %q", want, have)
	}
}

// TestKRaftInitialControllers: the nodes of a dynamic quorum of
// controllers and brokers apart. Each controller is formatted with the
// whole list, with the directory ids given or made alike on every node
// from the cluster id, and advertises its own entry; a broker is
// formatted with no quorum and keeps no voters.
func TestKRaftInitialControllers(t *testing.T) {
	const cluster = "MkU3OEVBNTcwNTJENDM2Qg"
	const given = "sD1yx6eiRBCQJ0mZfyBXnQ"
	initial := "0@c-0.c:9093,1@c-1.c:9093:" + given + ",2@c-2.c:9093"
	want := []string{"--initial-controllers", fmt.Sprintf("0@c-0.c:9093:%s,1@c-1.c:9093:%s,2@c-2.c:9093:%s",
		storage.VoterDirectoryID(cluster, 0), given, storage.VoterDirectoryID(cluster, 2))}
	common := []string{dist440, "KAFKA_CLUSTER_ID=" + cluster, "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=c-0.c:9093,c-1.c:9093,c-2.c:9093",
		"KAFKA_INITIAL_CONTROLLERS=" + initial}
	for _, tc := range []struct {
		name       string
		env        []string
		wantFormat []string
		wantAdv    string
	}{
		{"controller 2", []string{"SUPERVISOR_ROLE=controller", "KAFKA_NODE_ID=2"}, want, "CONTROLLER://c-2.c:9093"},
		{"controller 1", []string{"SUPERVISOR_ROLE=controller", "KAFKA_NODE_ID=1"}, want, "CONTROLLER://c-1.c:9093"},
		{"combined 0", []string{"KAFKA_NODE_ID=0", "KAFKA_ADVERTISED_HOST_NAME=k-0"}, want, "PLAINTEXT://k-0:9092,CONTROLLER://c-0.c:9093"},
		{"broker", []string{"SUPERVISOR_ROLE=broker", "KAFKA_NODE_ID=100", "KAFKA_ADVERTISED_HOST_NAME=b-0"}, nil, "PLAINTEXT://b-0:9092"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(append(append(slices.Clone(common), tc.env...), "SUPERVISOR_DATA_DIR="+t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.wantFormat, c.KRaft.FormatQuorum(); !slices.Equal(want, have) {
				t.Errorf("format: want %q, have %q", want, have)
			}
			f := c.files[0].file
			if v, ok := f.Get("controller.quorum.voters"); ok {
				t.Errorf("controller.quorum.voters: want unset, have %q", v)
			}
			for k, v := range map[string]string{
				"controller.quorum.bootstrap.servers": "c-0.c:9093,c-1.c:9093,c-2.c:9093",
				"advertised.listeners":                tc.wantAdv,
			} {
				if have, _ := f.Get(k); have != v {
					t.Errorf("%s: want %q, have %q", k, v, have)
				}
			}
		})
	}
	// Without a list, a combined node is its own first voter, a
	// controller apart joins as an observer, and a broker needs none.
	c, err := Load([]string{dist440, "SUPERVISOR_DATA_DIR=" + t.TempDir(), "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=localhost:9093"})
	if err != nil {
		t.Fatal(err)
	}
	if want, have := []string{"--standalone"}, c.KRaft.FormatQuorum(); !slices.Equal(want, have) {
		t.Errorf("combined, no list: want %q, have %q", want, have)
	}
	for role, want := range map[string][]string{"broker": nil, "controller": {"--no-initial-controllers"}} {
		c, err := Load([]string{dist440, "SUPERVISOR_DATA_DIR=" + t.TempDir(), "SUPERVISOR_ROLE=" + role, "KAFKA_NODE_ID=5", "KAFKA_CLUSTER_ID=" + cluster,
			"KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=c-0.c:9093", "KAFKA_ADVERTISED_HOST_NAME=n-5.n"})
		if err != nil {
			t.Fatalf("%s, no list: %v", role, err)
		}
		if have := c.KRaft.FormatQuorum(); !slices.Equal(want, have) {
			t.Errorf("%s, no list: want %q, have %q", role, want, have)
		}
		adv := map[string]string{"broker": "PLAINTEXT://n-5.n:9092", "controller": "CONTROLLER://n-5.n:9093"}[role]
		if have, _ := c.files[0].file.Get("advertised.listeners"); have != adv {
			t.Errorf("%s, no list: advertised.listeners: want %q, have %q", role, adv, have)
		}
	}
}

func TestKRaftCombined(t *testing.T) {
	data := t.TempDir()
	c, err := Load([]string{dist440, "SUPERVISOR_DATA_DIR=" + data, "KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qg"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"process.roles":                  "broker,controller",
		"node.id":                        "0",
		"controller.listener.names":      "CONTROLLER",
		"controller.quorum.voters":       "0@localhost:9093",
		"listeners":                      "PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093",
		"advertised.listeners":           "PLAINTEXT://localhost:9092",
		"listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
		"log.dirs":                       filepath.Join(data, "kafka"),
	}
	f := c.files[0].file
	for k, v := range want {
		if have, _ := f.Get(k); have != v {
			t.Errorf("%s: want %q, have %q", k, v, have)
		}
	}
	// The base's dynamic quorum and ZooKeeper's keys are gone.
	for _, k := range []string{"controller.quorum.bootstrap.servers", "zookeeper.connect", "broker.id"} {
		if v, ok := f.Get(k); ok {
			t.Errorf("%s: want unset, have %q", k, v)
		}
	}
	if want, have := "127.0.0.1:9092", c.Bootstrap; want != have {
		t.Errorf("bootstrap: want %s, have %s", want, have)
	}
	if want, have := "MkU3OEVBNTcwNTJENDM2Qg", c.KRaft.ClusterID; want != have {
		t.Errorf("cluster id: want %s, have %s", want, have)
	}
	if want, have := 1, len(c.KRaft.Unformatted); want != have {
		t.Errorf("unformatted: want %d, have %d", want, have)
	}
	binds := c.Binds()
	if want, have := "KAFKA_CONTROLLER_PORT", binds[len(binds)-1].Var; want != have {
		t.Errorf("controller bind: want %s, have %s", want, have)
	}
}

// The 3.9.1 base is ZooKeeper's: its zookeeper.connect and broker.id go,
// and ZooKeeper mode's controlled shutdown backoff is not added.
func TestKRaftOn391(t *testing.T) {
	c, err := Load([]string{dist391, "SUPERVISOR_MODE=kraft", "SUPERVISOR_DATA_DIR=" + t.TempDir(), "HOSTNAME=kafka-2",
		"KAFKA_NODE_ID=ordinal", "KAFKA_CONTROLLER_PORT=19093", "KAFKA_LISTENERS=CONTROLLER://:19093,PLAINTEXT://:19092"})
	if err != nil {
		t.Fatal(err)
	}
	f := c.files[0].file
	for _, k := range []string{"zookeeper.connect", "broker.id", "controlled.shutdown.retry.backoff.ms"} {
		if v, ok := f.Get(k); ok {
			t.Errorf("%s: want unset, have %q", k, v)
		}
	}
	for k, v := range map[string]string{
		"node.id": "2", "controller.quorum.voters": "2@localhost:19093",
		"listeners": "CONTROLLER://:19093,PLAINTEXT://:19092", "advertised.listeners": "PLAINTEXT://:19092",
	} {
		if have, _ := f.Get(k); have != v {
			t.Errorf("%s: want %q, have %q", k, v, have)
		}
	}
	if want, have := "127.0.0.1:19092", c.Bootstrap; want != have {
		t.Errorf("bootstrap: want %s, have %s", want, have)
	}
	if want, have := "", c.KRaft.ClusterID; want != have {
		t.Errorf("cluster id: want %q (generated at the format), have %q", want, have)
	}
}

func TestKRaftBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"zookeeper connect", []string{dist440, "KAFKA_ZOOKEEPER_CONNECT=zk:2181"},
			"KAFKA_ZOOKEEPER_CONNECT: a ZooKeeper variable, but the mode is kraft; want no ZooKeeper variables in kraft mode"},
		{"zookeeper property", []string{dist391, "SUPERVISOR_MODE=kraft", "ZOOKEEPER_TICK_TIME=2000"},
			"ZOOKEEPER_TICK_TIME: a ZooKeeper variable, but the mode is kraft"},
		{"role zookeeper", []string{dist440, "SUPERVISOR_ROLE=zookeeper"},
			"SUPERVISOR_ROLE: zookeeper, but the mode is kraft; want all (one combined broker and controller), controller or broker in kraft mode"},
		{"role kafka", []string{dist440, "SUPERVISOR_ROLE=kafka"}, "SUPERVISOR_ROLE: kafka, but the mode is kraft; want all"},
		{"controller without quorum", []string{dist440, "SUPERVISOR_ROLE=controller"},
			"KAFKA_CONTROLLER_QUORUM_VOTERS: unset, but role controller is one of a cluster whose quorum it must know; want id@host:port,… of every controller"},
		{"broker without quorum", []string{dist440, "SUPERVISOR_ROLE=broker", "KAFKA_NODE_ID=3"},
			"KAFKA_CONTROLLER_QUORUM_VOTERS: unset, but role broker is one of a cluster"},
		{"controller outside the voters", []string{dist440, "SUPERVISOR_ROLE=controller", "KAFKA_NODE_ID=3", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093,1@b:9093,2@c:9093"},
			`KAFKA_CONTROLLER_QUORUM_VOTERS: "0@a:9093,1@b:9093,2@c:9093" does not name node 3, which is a controller; want id@host:port,… naming KAFKA_NODE_ID`},
		{"broker that is a voter", []string{dist440, "SUPERVISOR_ROLE=broker", "HOSTNAME=kafka-1", "KAFKA_NODE_ID=ordinal", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093,1@b:9093,2@c:9093"},
			"KAFKA_NODE_ID: 1 is a voter of KAFKA_CONTROLLER_QUORUM_VOTERS, but role broker is no controller; want an id that no voter has"},
		{"broker with malformed quorum", []string{dist440, "SUPERVISOR_ROLE=broker", "KAFKA_NODE_ID=3", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093,b:9093"},
			`KAFKA_CONTROLLER_QUORUM_VOTERS: "b:9093" is not a voter`},
		{"cluster without cluster id", []string{dist440, "SUPERVISOR_ROLE=broker", "KAFKA_NODE_ID=3", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093,1@b:9093,2@c:9093"},
			"KAFKA_CLUSTER_ID: unset and no log directory formatted, but node 3 is one of a cluster of voters 0,1,2, whose nodes must share one id; want the cluster's id"},
		{"combined nodes without cluster id", []string{dist440, "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093,1@b:9093,2@c:9093"},
			"KAFKA_CLUSTER_ID: unset and no log directory formatted, but node 0 is one of a cluster of voters 0,1,2"},
		{"scram file missing", []string{dist440, "KAFKA_SCRAM_CREDENTIALS_FILE=testdata/none"},
			"KAFKA_SCRAM_CREDENTIALS_FILE: open testdata/none: no such file or directory; want a readable file of lines of MECHANISM NAME PASSWORD"},
		{"scram bad line", []string{dist440, "KAFKA_SCRAM_CREDENTIALS_FILE=../storage/testdata/scram/mechanism"},
			`KAFKA_SCRAM_CREDENTIALS_FILE: ../storage/testdata/scram/mechanism: line 2: mechanism "SCRAM-SHA-1": want SCRAM-SHA-256 or SCRAM-SHA-512`},
		{"scram in zookeeper mode", []string{dist391, "KAFKA_SCRAM_CREDENTIALS_FILE=../storage/testdata/scram/good"},
			"KAFKA_SCRAM_CREDENTIALS_FILE: a KRaft variable, but Kafka 3.9.1 runs in zookeeper mode"},
		{"broker port on a controller", []string{dist440, "SUPERVISOR_ROLE=controller", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093", "KAFKA_PORT=9092"},
			"KAFKA_PORT: a broker's listener, but role controller runs no broker; want KAFKA_CONTROLLER_PORT for its controller listener, or no KAFKA_PORT"},
		{"advertised host on a controller", []string{dist440, "SUPERVISOR_ROLE=controller", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093", "KAFKA_ADVERTISED_HOST_NAME=kafka-0"},
			"KAFKA_ADVERTISED_HOST_NAME: a broker's listener, but role controller runs no broker"},
		{"topics on a controller", []string{dist440, "SUPERVISOR_ROLE=controller", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093", "KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qg", "KAFKA_CREATE_TOPICS=t:1:1"},
			"KAFKA_CREATE_TOPICS: topics, but role controller runs no broker to create them on"},
		{"broker id", []string{dist440, "KAFKA_BROKER_ID=1"}, "KAFKA_BROKER_ID: a ZooKeeper variable, but the mode is kraft; want KAFKA_NODE_ID in kraft mode"},
		{"zookeeper on 4.x", []string{dist440, "SUPERVISOR_MODE=zookeeper"}, "SUPERVISOR_MODE: zookeeper, but Kafka 4.4.0 runs in kraft mode only"},
		{"kraft on 2.8", []string{dist282, "KAFKA_VERSION=2.8.2", "SUPERVISOR_MODE=kraft"}, "SUPERVISOR_MODE: kraft, but Kafka 2.8.2 runs in zookeeper mode only"},
		{"no such mode", []string{dist391, "SUPERVISOR_MODE=raft"}, `SUPERVISOR_MODE: "raft" is not a mode; want kraft or zookeeper`},
		{"cluster id in zookeeper mode", []string{dist391, "KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qg"},
			"KAFKA_CLUSTER_ID: a KRaft variable, but Kafka 3.9.1 runs in zookeeper mode; want SUPERVISOR_MODE=kraft"},
		{"short cluster id", []string{dist440, "KAFKA_CLUSTER_ID=abc"},
			`KAFKA_CLUSTER_ID: "abc" has 3 characters, not 22, not a base64 UUID; want 22 characters of URL-safe base64`},
		{"cluster id not base64", []string{dist440, "KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Q+"},
			`KAFKA_CLUSTER_ID: "MkU3OEVBNTcwNTJENDM2Q+" is not URL-safe base64 of 16 bytes, not a base64 UUID`},
		{"malformed voters", []string{dist440, "KAFKA_CONTROLLER_QUORUM_VOTERS=localhost:9093"},
			`KAFKA_CONTROLLER_QUORUM_VOTERS: "localhost:9093" is not a voter; want id@host:port,…`},
		{"voter without port", []string{dist440, "KAFKA_CONTROLLER_QUORUM_VOTERS=0@localhost"},
			`KAFKA_CONTROLLER_QUORUM_VOTERS: "0@localhost" is not a voter`},
		{"voter twice", []string{dist440, "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093,0@b:9093"},
			`KAFKA_CONTROLLER_QUORUM_VOTERS: voter 0 is named twice`},
		{"node outside the voters", []string{dist440, "KAFKA_NODE_ID=3", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093,1@b:9093"},
			`KAFKA_CONTROLLER_QUORUM_VOTERS: "0@a:9093,1@b:9093" does not name node 3, which is a controller`},
		{"initial controllers without bootstrap servers", []string{dist440, "KAFKA_INITIAL_CONTROLLERS=0@a:9093"},
			"KAFKA_INITIAL_CONTROLLERS: set, but the initial controllers are those of a dynamic quorum, and KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS is unset"},
		{"initial controllers not naming the controller", []string{dist440, "SUPERVISOR_ROLE=controller", "KAFKA_NODE_ID=2", "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=a:9093",
			"KAFKA_INITIAL_CONTROLLERS=0@a:9093,1@b:9093"},
			`KAFKA_INITIAL_CONTROLLERS: "0@a:9093,1@b:9093" does not name node 2, which is a controller`},
		{"broker among the initial controllers", []string{dist440, "SUPERVISOR_ROLE=broker", "KAFKA_NODE_ID=1", "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=a:9093",
			"KAFKA_INITIAL_CONTROLLERS=0@a:9093,1@b:9093"},
			"KAFKA_NODE_ID: 1 is a voter of KAFKA_INITIAL_CONTROLLERS, but role broker is no controller"},
		{"initial controller with a bad directory id", []string{dist440, "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=a:9093",
			"KAFKA_INITIAL_CONTROLLERS=0@a:9093:AAAAAAAAAAAAAAAAAAAAAA"},
			`KAFKA_INITIAL_CONTROLLERS: "0@a:9093:AAAAAAAAAAAAAAAAAAAAAA": directory id AAAAAAAAAAAAAAAAAAAAAA is reserved by Kafka`},
		{"initial controller without port", []string{dist440, "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=a:9093", "KAFKA_INITIAL_CONTROLLERS=0@a"},
			`KAFKA_INITIAL_CONTROLLERS: "0@a" is not a voter; want id@host:port[:directory-id],…`},
		{"dynamic quorum on 3.8", []string{dist391, "KAFKA_VERSION=3.8.1", "SUPERVISOR_MODE=kraft", "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=a:9093"},
			"KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS: a dynamic quorum, but Kafka 3.8.1 has none (KIP-853, 3.9)"},
		{"dynamic and static quorum", []string{dist440, "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=a:9093", "KAFKA_CONTROLLER_QUORUM_VOTERS=0@a:9093"},
			"KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS: set with KAFKA_CONTROLLER_QUORUM_VOTERS"},
		{"dynamic quorum, bad server", []string{dist440, "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=a:9093,b"},
			"KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS: "},
		{"dynamic quorum on static data", []string{dist440, "KAFKA_LOG_DIRS=testdata/kraft-static", "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=localhost:9093"},
			"KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS: a dynamic quorum, but testdata/kraft-static was formatted for a static one"},
		{"static quorum on dynamic data", []string{dist440, "KAFKA_LOG_DIRS=testdata/kraft-dynamic"},
			"KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS: unset, but testdata/kraft-dynamic was formatted for a dynamic quorum"},
		{"bad node id", []string{dist440, "KAFKA_NODE_ID=x"}, `KAFKA_NODE_ID: "x" is not a node id`},
		{"bad controller port", []string{dist440, "KAFKA_CONTROLLER_PORT=0"}, `KAFKA_CONTROLLER_PORT: "0" is not a port`},
		{"formatted for another cluster", []string{dist440, "KAFKA_LOG_DIRS=testdata/kraft-formatted", "KAFKA_CLUSTER_ID=4L6g3nShT-eMCtK--X86sw"},
			"testdata/kraft-formatted/meta.properties: holds cluster.id=MkU3OEVBNTcwNTJENDM2Qg, but KAFKA_CLUSTER_ID gives 4L6g3nShT-eMCtK--X86sw"},
		{"a log directory copied", []string{dist440, "KAFKA_LOG_DIRS=testdata/kraft-formatted,testdata/kraft-formatted-copy"},
			"testdata/kraft-formatted-copy/meta.properties: holds directory.id=sD1yx6eiRBCQJ0mZfyBXnQ, as testdata/kraft-formatted/meta.properties does: one is a copy of the other; want each log directory with its own meta.properties"},
		{"formatted for another node", []string{dist440, "KAFKA_LOG_DIRS=testdata/kraft-formatted", "KAFKA_NODE_ID=1", "KAFKA_CONTROLLER_QUORUM_VOTERS=1@localhost:9093"},
			"testdata/kraft-formatted/meta.properties: holds node.id=0, but KAFKA_NODE_ID gives 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(append(tc.env, "SUPERVISOR_DATA_DIR="+t.TempDir()))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("want %q, have %v", tc.want, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("want one line, have %q", err)
			}
		})
	}
}

// A formatted directory gives the cluster id when KAFKA_CLUSTER_ID is
// unset, and is not formatted again.
func TestKRaftClusterIDFromData(t *testing.T) {
	c, err := Load([]string{dist440, "SUPERVISOR_DATA_DIR=" + t.TempDir(), "KAFKA_LOG_DIRS=testdata/kraft-formatted"})
	if err != nil {
		t.Fatal(err)
	}
	if want, have := "MkU3OEVBNTcwNTJENDM2Qg", c.KRaft.ClusterID; want != have {
		t.Errorf("want %s, have %s", want, have)
	}
	if want, have := 0, len(c.KRaft.Unformatted); want != have {
		t.Errorf("unformatted: want %d, have %d", want, have)
	}
	if _, err := os.Stat("testdata/kraft-formatted/meta.properties"); err != nil {
		t.Fatal(err)
	}
}

// A controller and a broker apart: each has its own process.roles and
// listeners, the controller no broker's, the broker no controller's, and
// both know the quorum and its listener's protocol.
func TestKRaftRoles(t *testing.T) {
	const voters = "0@c-0:9093,1@c-1:9093,2@c-2:9093"
	for _, tc := range []struct {
		name       string
		env        []string
		want       map[string]string
		gone       []string
		bootstrap  string
		controller string
		topics     int
	}{
		{"controller", []string{"SUPERVISOR_ROLE=controller", "HOSTNAME=c-2", "KAFKA_NODE_ID=ordinal"},
			map[string]string{
				"process.roles": "controller", "node.id": "2", "controller.quorum.voters": voters,
				"listeners":                      "CONTROLLER://0.0.0.0:9093",
				"listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
			},
			[]string{"advertised.listeners", "inter.broker.listener.name", "controller.quorum.bootstrap.servers"}, "", "127.0.0.1:9093", 0},
		{"broker", []string{"SUPERVISOR_ROLE=broker", "KAFKA_NODE_ID=3", "KAFKA_CREATE_TOPICS=t:3:3"},
			map[string]string{
				"process.roles": "broker", "node.id": "3", "controller.quorum.voters": voters,
				"listeners": "PLAINTEXT://0.0.0.0:9092", "advertised.listeners": "PLAINTEXT://localhost:9092",
				"listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
			},
			[]string{"controller.quorum.bootstrap.servers"}, "127.0.0.1:9092", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(append(tc.env, dist440, "SUPERVISOR_DATA_DIR="+t.TempDir(), "KAFKA_CONTROLLER_QUORUM_VOTERS="+voters, "KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qg"))
			if err != nil {
				t.Fatal(err)
			}
			f := c.files[0].file
			for k, v := range tc.want {
				if have, _ := f.Get(k); have != v {
					t.Errorf("%s: want %q, have %q", k, v, have)
				}
			}
			for _, k := range tc.gone {
				if v, ok := f.Get(k); ok {
					t.Errorf("%s: want unset, have %q", k, v)
				}
			}
			if want, have := tc.bootstrap, c.Bootstrap; want != have {
				t.Errorf("bootstrap: want %q, have %q", want, have)
			}
			if want, have := tc.controller, c.Controller; want != have {
				t.Errorf("controller: want %q, have %q", want, have)
			}
			if want, have := tc.topics, len(c.Topics); want != have {
				t.Errorf("topics: want %d, have %d", want, have)
			}
			if c.Role.RunsZooKeeper() {
				t.Error("a kraft role runs zookeeper")
			}
			binds := c.Binds()
			if want, have := 2, len(binds); want != have {
				t.Errorf("binds: want %d (health and one listener), have %v", want, binds)
			}
		})
	}
}

// The fast-restart defaults are set on every KRaft role, and left alone,
// both of them, when a variable sets either.
func TestKRaftFastRestart(t *testing.T) {
	for _, tc := range []struct {
		name               string
		env                []string
		session, heartbeat string
	}{
		{"defaults", nil, "3000", "500"},
		{"session given", []string{"KAFKA_BROKER_SESSION_TIMEOUT_MS=18000"}, "18000", ""},
		{"heartbeat given", []string{"KAFKA_BROKER_HEARTBEAT_INTERVAL_MS=2000"}, "", "2000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(append(tc.env, dist440, "SUPERVISOR_DATA_DIR="+t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			f := c.files[0].file
			if have, _ := f.Get("broker.session.timeout.ms"); have != tc.session {
				t.Errorf("broker.session.timeout.ms: want %q, have %q", tc.session, have)
			}
			if have, _ := f.Get("broker.heartbeat.interval.ms"); have != tc.heartbeat {
				t.Errorf("broker.heartbeat.interval.ms: want %q, have %q", tc.heartbeat, have)
			}
		})
	}
	c, err := Load([]string{dist391, "SUPERVISOR_DATA_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := c.files[len(c.files)-1].file.Get("broker.session.timeout.ms"); ok {
		t.Errorf("zookeeper mode: want no broker.session.timeout.ms, have %q", v)
	}
}
