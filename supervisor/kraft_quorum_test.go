package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-on-kubernetes/supervisor/internal/broker"
	"github.com/kafka-on-kubernetes/supervisor/internal/controller"
	"github.com/kafka-on-kubernetes/supervisor/internal/storage"
)

const kraftQuorumTopic = "kraft-quorum"

// TestKRaftQuorum runs a KRaft cluster as separate StatefulSets of
// controllers and brokers would: 3 controllers (node ids 0 to 2) and 2
// brokers (3 and 4), each in a pod of its own (a network namespace with
// its address, the supervisor as PID 1 of its own PID namespace), on
// the newest distribution of TEST_KRAFT_DISTS. One controller alone is
// not ready, waiting for the quorum leader; with all three the quorum
// elects one, every node is ready, and a topic with 2 replicas, created
// by the brokers' supervisors, takes an acks=all write. The leading
// controller stops: the other two elect a new leader and stay ready, and
// acks=all writes still work. The new leader ends too (stopped, or in the
// dynamic quorum killed): the one left has no quorum, and its /readyz
// says so while /livez stays 200.
//
// The quorum is static (controller.quorum.voters), then dynamic (KIP-853):
// every node is given the controllers' bootstrap servers and the list of
// initial controllers without directory ids, and each controller's
// metadata log gets the directory id made for it from the cluster id.
// The leader answers DescribeQuorum, naming itself and the three voters;
// a follower answers that it does not lead.
func TestKRaftQuorum(t *testing.T) {
	dist := newestKRaftDist(t)
	for _, dynamic := range []bool{false, true} {
		name := map[bool]string{false: "static", true: "dynamic"}[dynamic]
		t.Run(name, func(t *testing.T) { kraftQuorum(t, dist, dynamic) })
	}
}

func kraftQuorum(t *testing.T, dist string, dynamic bool) {
	const cluster = "MkU3OEVBNTcwNTJENDM2Qg"
	t0 := time.Now()
	pods := podNetwork(t, 5)
	var voters, servers []string
	for i, p := range pods[:3] {
		voters = append(voters, fmt.Sprintf("%d@%s", i, net.JoinHostPort(p.addr, "9093")))
		servers = append(servers, net.JoinHostPort(p.addr, "9093"))
	}
	quorum := []string{"KAFKA_CONTROLLER_QUORUM_VOTERS=" + strings.Join(voters, ",")}
	if dynamic {
		quorum = []string{"KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=" + strings.Join(servers, ","), "KAFKA_INITIAL_CONTROLLERS=" + strings.Join(voters, ",")}
	}
	common := append(quorum,
		"KAFKA_CLUSTER_ID="+cluster,
		"KAFKA_HEAP_OPTS=-Xmx256m -Xms128m",
		// Five JVMs start at once on the test machine: room for each
		// start phase beyond the default 2m.
		"SUPERVISOR_START_TIMEOUT=4m",
	)
	startController := func(i int) *instance {
		return startKRaftInPod(t, dist, pods[i], append(common, "SUPERVISOR_ROLE=controller",
			fmt.Sprintf("HOSTNAME=controller-%d", i), "KAFKA_NODE_ID=ordinal")...)
	}
	brokerEnv := []string{"SUPERVISOR_ROLE=broker", "KAFKA_CREATE_TOPICS=" + kraftQuorumTopic + ":1:2"}
	if dynamic {
		// A 4.4.0 broker of a dynamic quorum that starts during the
		// quorum's first elections can fail to register: once in a CI
		// run, "Unable to register the broker because the RPC got timed
		// out before it could be sent" every second for the 60 s of
		// initial.broker.registration.timeout.ms after the leader changed
		// from 2 to 1 in epoch 2, then Kafka exits 1, while the other
		// broker registered. A pod's restart covers it; here the
		// supervisor's policy does, as in a pod that sets it.
		brokerEnv = append(brokerEnv, "SUPERVISOR_RESTART=on-failure")
	}
	startBroker := func(i int) *instance {
		in := startKRaftInPod(t, dist, pods[i], append(append(slices.Clone(common), brokerEnv...),
			"KAFKA_NODE_ID="+strconv.Itoa(i), "KAFKA_ADVERTISED_HOST_NAME="+pods[i].addr)...)
		in.kafkaAddr = net.JoinHostPort(pods[i].addr, "9092")
		return in
	}
	controllerAddr := func(i int) string { return net.JoinHostPort(pods[i].addr, "9093") }

	// One controller of three: formatted and running, but no leader.
	controllers := []*instance{startController(0)}
	controllers[0].waitProbe("/readyz", 503, "not ready: waiting for the kraft quorum leader", 3*time.Minute)
	controllers = append(controllers, startController(1), startController(2))
	brokers := []*instance{startBroker(3), startBroker(4)}
	for _, in := range append(slices.Clone(controllers), brokers...) {
		in.waitProbe("/readyz", 200, "ready", 4*time.Minute)
	}
	t.Logf("every node ready after %s", since(t0))

	// Every controller names the same leader.
	var leader int32
	eventually(t, "the three controllers name one leader", time.Minute, func() string {
		ids, err := leaders(controllerAddr, []int{0, 1, 2})
		if err != nil {
			return err.Error()
		}
		if ids[0] < 0 || ids[1] != ids[0] || ids[2] != ids[0] {
			return fmt.Sprintf("leaders %v", ids)
		}
		leader = ids[0]
		return ""
	})
	t.Logf("controller %d leads", leader)
	for i := range 3 {
		l, err := controller.AskLeader(controllerAddr(i), 5*time.Second)
		if i != int(leader) {
			if !errors.Is(err, sarama.ErrNotLeaderForPartition) {
				t.Errorf("DescribeQuorum of follower %d: want NOT_LEADER_OR_FOLLOWER, have %+v, %v", i, l, err)
			}
			continue
		}
		slices.Sort(l.Voters)
		if err != nil || l.Leader != leader || !slices.Equal(l.Voters, []int32{0, 1, 2}) {
			t.Errorf("DescribeQuorum of leader %d: want leader %d and voters [0 1 2], have %+v, %v", i, leader, l, err)
		}
	}
	if dynamic {
		for i, in := range controllers {
			meta, err := os.ReadFile(filepath.Join(in.dir, "data", "kafka", "meta.properties"))
			if err != nil {
				t.Fatal(err)
			}
			if want := "directory.id=" + storage.VoterDirectoryID(cluster, i); !strings.Contains(string(meta), want) {
				t.Errorf("controller %d: meta.properties has no %s:\n%s", i, want, meta)
			}
		}
	}

	// The brokers, at their pods' addresses, and the topic on both.
	client := clusterClient(t, brokers[0].kafkaAddr)
	if err := client.RefreshMetadata(); err != nil {
		t.Fatal(err)
	}
	var ids []int32
	for _, b := range client.Brokers() {
		ids = append(ids, b.ID())
		if want := pods[b.ID()].addr + ":9092"; b.Addr() != want {
			t.Errorf("broker %d advertised at %s, want %s", b.ID(), b.Addr(), want)
		}
	}
	slices.Sort(ids)
	if want, have := []int32{3, 4}, ids; !reflect.DeepEqual(want, have) {
		t.Errorf("brokers in metadata: want %v, have %v", want, have)
	}
	eventually(t, "the topic led, 2 replicas in sync", time.Minute, func() string {
		return inSync(client, kraftQuorumTopic, 1, 2)
	})
	first := "first, with three controllers"
	produce(t, client, kraftQuorumTopic, 0, first)
	if want, have := []string{first}, consume(t, clusterClient(t, brokers[1].kafkaAddr), kraftQuorumTopic, 0, 1); !reflect.DeepEqual(want, have) {
		t.Errorf("consumed: want %q, have %q", want, have)
	}

	// The leader stops: the other two elect one of themselves.
	stop := func(in *instance) {
		t.Helper()
		in.signal(syscall.SIGTERM)
		if want, have := 0, in.wait(time.Minute); want != have {
			t.Fatalf("exit code after SIGTERM: want %d, have %d", want, have)
		}
	}
	stop(controllers[leader])
	rest := slices.DeleteFunc([]int{0, 1, 2}, func(i int) bool { return i == int(leader) })
	var second int32
	eventually(t, "a new leader", time.Minute, func() string {
		ids, err := leaders(controllerAddr, rest)
		if err != nil {
			return err.Error()
		}
		if ids[0] < 0 || ids[0] == leader || ids[1] != ids[0] {
			return fmt.Sprintf("controllers %v name leaders %v", rest, ids)
		}
		second = ids[0]
		return ""
	})
	t.Logf("controller %d stopped, %d leads after %s", leader, second, since(t0))
	for _, i := range rest {
		controllers[i].waitProbe("/readyz", 200, "ready", 30*time.Second)
	}
	next := "second, after the leading controller stopped"
	produce(t, clusterClient(t, brokers[1].kafkaAddr), kraftQuorumTopic, 0, next)
	if want, have := []string{first, next}, consume(t, clusterClient(t, brokers[0].kafkaAddr), kraftQuorumTopic, 0, 2); !reflect.DeepEqual(want, have) {
		t.Errorf("consumed: want %q, have %q", want, have)
	}

	// The new leader ends too: one controller of three, no quorum. In the
	// static quorum it stops; the controller left becomes a candidate and
	// names no leader. In the dynamic one its pod is killed (SIGKILL of
	// its PID 1, no goodbye to the quorum): the controller left becomes
	// prospective (KIP-996, pre-vote) and keeps naming the leader, which
	// does not answer.
	last := rest[0]
	if last == int(second) {
		last = rest[1]
	}
	lost := `^not ready: controller not ready: the kraft quorum has no leader$`
	ended := time.Now()
	if dynamic {
		controllers[second].signal(syscall.SIGKILL)
		controllers[second].wait(time.Minute)
		lost = fmt.Sprintf(`^not ready: controller not ready: the kraft quorum leader %d at %s does not lead: .+$`,
			second, regexp.QuoteMeta(controllerAddr(int(second))))
	} else {
		stop(controllers[second])
	}
	body := controllers[last].waitProbeMatch("/readyz", 503, lost, time.Minute)
	t.Logf("controller %d alone, /readyz 503 %s after the leader ended: %s", last, since(ended), body)
	if code, body := controllers[last].probe("/livez"); code != 200 {
		t.Errorf("/livez without a quorum: want 200, have %d %q", code, body)
	}
	t.Logf("done after %s", since(t0))
}

// leaders asks each controller which controller leads its quorum (-1:
// none it knows of).
func leaders(addr func(int) string, ids []int) ([]int32, error) {
	cfg := broker.Config(sarama.V4_0_0_0)
	var out []int32
	for _, i := range ids {
		b := sarama.NewBroker(addr(i))
		if err := b.Open(cfg); err != nil {
			return nil, err
		}
		q, err := controller.Describe(b)
		b.Close()
		if err != nil {
			return nil, fmt.Errorf("controller %d: %w", i, err)
		}
		out = append(out, q.Leader)
	}
	return out, nil
}

// startKRaftInPod starts the supervisor of a KRaft node on dist in the
// pod, as startInPod does; health on :8080 of the pod's address.
func startKRaftInPod(t *testing.T, dist string, p pod, env ...string) *instance {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	in := &instance{
		t: t, dist: dist, dir: dir, logs: &logBuffer{}, done: make(chan struct{}),
		httpAddr: net.JoinHostPort(p.addr, "8080"),
	}
	in.cmd = exec.Command("ip", "netns", "exec", p.ns, "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", binary)
	in.cmd.Env = append(withoutZooKeeper(os.Environ()),
		"KAFKA_HOME="+dist,
		"SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
		"SUPERVISOR_DATA_DIR="+filepath.Join(dir, "data"),
		"SUPERVISOR_HTTP_ADDR=:8080",
	)
	if !distVersion(t, dist).IsAtLeast(sarama.V4_0_0_0) {
		in.cmd.Env = append(in.cmd.Env, "SUPERVISOR_MODE=kraft")
	}
	in.launch(p.ns+" "+in.httpAddr, env)
	return in
}
