package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-on-kubernetes/supervisor/internal/storage"
)

// The KRaft tests run a combined node (broker and controller in one
// process, no ZooKeeper) on each distribution of TEST_KRAFT_DISTS: 4.x,
// KRaft only, and 3.9, with SUPERVISOR_MODE=kraft.

// kraftDists returns the distributions of TEST_KRAFT_DISTS; without it
// the KRaft tests skip, and fail in CI.
func kraftDists(t testing.TB) []string {
	t.Helper()
	dists := strings.Fields(os.Getenv("TEST_KRAFT_DISTS"))
	if len(dists) == 0 {
		missing(t, "TEST_KRAFT_DISTS unset: run `make test` to assemble the KRaft distributions")
	}
	for _, d := range dists {
		if _, err := os.Stat(filepath.Join(d, "bin", "kafka-server-start.sh")); err != nil {
			t.Fatalf("TEST_KRAFT_DISTS: %s is not a Kafka distribution: %v", d, err)
		}
	}
	return dists
}

// newestKRaftDist returns the newest version's of kraftDists.
func newestKRaftDist(t testing.TB) string {
	t.Helper()
	newest := kraftDists(t)[0]
	for _, d := range kraftDists(t) {
		if distVersion(t, d).IsAtLeast(distVersion(t, newest)) {
			newest = d
		}
	}
	return newest
}

// startKRaft starts a combined KRaft node on dist in dir (a new one, with
// a copy of the distribution's config, when empty), on fresh ports.
func startKRaft(t testing.TB, dist, dir string, env ...string) *instance {
	t.Helper()
	return startKRaftWrapped(t, dist, dir, nil, env...)
}

// startKRaftAsPID1 starts a combined KRaft node as startKRaft does, as
// PID 1 of a new PID namespace.
func startKRaftAsPID1(t testing.TB, dist, dir string, env ...string) *instance {
	t.Helper()
	return startKRaftWrapped(t, dist, dir, unshare, env...)
}

// startKRaftWrapped is startKRaft, wrapped in the wrap command if any.
func startKRaftWrapped(t testing.TB, dist, dir string, wrap []string, env ...string) *instance {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
		copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	}
	in := &instance{
		t: t, dist: dist, dir: dir, logs: &logBuffer{}, done: make(chan struct{}),
		httpAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
	}
	kafkaPort := freePort(t)
	in.kafkaAddr = fmt.Sprintf("127.0.0.1:%d", kafkaPort)
	argv := append(append([]string(nil), wrap...), binary)
	in.cmd = exec.Command(argv[0], argv[1:]...)
	in.cmd.Env = append(withoutZooKeeper(os.Environ()),
		"KAFKA_HOME="+dist,
		"SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
		"SUPERVISOR_DATA_DIR="+filepath.Join(dir, "data"),
		"SUPERVISOR_HTTP_ADDR="+in.httpAddr,
		"KAFKA_PORT="+strconv.Itoa(kafkaPort),
		"KAFKA_CONTROLLER_PORT="+strconv.Itoa(freePort(t)),
		"KAFKA_HEAP_OPTS=-Xmx512M -Xms128M",
	)
	if !distVersion(t, dist).IsAtLeast(sarama.V4_0_0_0) {
		in.cmd.Env = append(in.cmd.Env, "SUPERVISOR_MODE=kraft")
	}
	in.launch(in.httpAddr, env)
	return in
}

// withoutZooKeeper drops the test's own ZooKeeper variables, if any: KRaft
// mode refuses them.
func withoutZooKeeper(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "ZOOKEEPER_") && !strings.HasPrefix(kv, "KAFKA_ZOOKEEPER_") {
			out = append(out, kv)
		}
	}
	return out
}

// kraftClientVersion is the protocol version the test's client speaks:
// the broker's, up to 4.0 (sarama knows no later one by name).
func kraftClientVersion(v sarama.KafkaVersion) sarama.KafkaVersion {
	if v.IsAtLeast(sarama.V4_0_0_0) {
		return sarama.V4_0_0_0
	}
	return v
}

// TestKRaftSeedScenario is the seed's walkthrough on a combined KRaft
// node: one start formats the storage, starts the node and creates the
// topic from KAFKA_CREATE_TOPICS; /readyz names the KRaft phases until
// then; a line produced with the console producer is read back from the
// beginning by the console consumer and by sarama; SIGTERM stops the one
// process, exit 0, nothing left.
func TestKRaftSeedScenario(t *testing.T) {
	for _, dist := range kraftDists(t) {
		t.Run(distVersion(t, dist).String(), func(t *testing.T) { kraftSeedScenario(t, dist) })
	}
}

func kraftSeedScenario(t *testing.T, dist string) {
	version := distVersion(t, dist)
	in := startKRaft(t, dist, "", "KAFKA_CREATE_TOPICS="+seedTopic+":1:1")

	phases := map[string]bool{}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, body := in.probe("/readyz")
		if code == 200 {
			break
		}
		if code == 503 {
			phases[body] = true
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 2m; last answer %d %q", code, body)
		}
		select {
		case <-in.done:
			t.Fatalf("supervisor exited with %d before ready", in.exitCode)
		case <-time.After(50 * time.Millisecond):
		}
	}
	// The format and the node's start each take seconds: both are seen.
	for _, want := range []string{"not ready: formatting storage", "not ready: waiting for kraft quorum and broker"} {
		if !phases[want] {
			t.Errorf("/readyz never answered %q; answers seen: %v", want, phases)
		}
	}
	for body := range phases {
		if strings.Contains(body, "zookeeper") {
			t.Errorf("/readyz named ZooKeeper in KRaft mode: %q", body)
		}
	}
	client := saramaClientFor(t, in.kafkaAddr, kraftClientVersion(version))
	if _, err := client.Leader(seedTopic, 0); err != nil {
		t.Errorf("ready, but partition 0 of %s has no leader: %v", seedTopic, err)
	}

	in.roundTrip(t, client,
		[]string{"--bootstrap-server", in.kafkaAddr, "--topic", seedTopic},
		[]string{"--bootstrap-server", in.kafkaAddr, "--topic", seedTopic, "--from-beginning", "--max-messages", "1", "--timeout-ms", "60000"})

	in.signal(syscall.SIGTERM)
	if want, have := 0, in.wait(time.Minute); want != have {
		t.Fatalf("exit code: want %d, have %d", want, have)
	}
	logs := in.logs.String()
	for _, want := range []string{"starting: phase=format", "ready: phase=format", "ready: phase=kafka took=",
		"ready: phase=topics topics=1 took=", `stopped: child=kafka status="exit code 143"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q", want)
		}
	}
	if strings.Contains(logs, "child=zookeeper") {
		t.Error("a ZooKeeper child in KRaft mode")
	}
	if left := processesUnder(in.dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
}

// TestKRaftRestart starts a node without KAFKA_CLUSTER_ID (an id is
// generated once and kept in meta.properties), restarts it on the same
// data without the variable (the same cluster, no second format), then
// with another KAFKA_CLUSTER_ID: refused with exit 2 and one line naming
// the file and both ids, nothing started, the data directory byte for
// byte as it was.
func TestKRaftRestart(t *testing.T) {
	dist := kraftDists(t)[0]
	version := distVersion(t, dist)
	first := startKRaft(t, dist, "")
	first.waitLog(`ready: phase=all`, 2*time.Minute)
	generated := first.waitLog(`starting: phase=format cluster_id=(\S+) generated=true`, time.Second)[1]
	meta := filepath.Join(first.dir, "data", "kafka", "meta.properties")
	if want, have := generated, clusterIDIn(t, meta); want != have {
		t.Errorf("meta.properties: want cluster.id %s, have %s", want, have)
	}
	first.signal(syscall.SIGTERM)
	if want, have := 0, first.wait(time.Minute); want != have {
		t.Fatalf("first start: exit code: want %d, have %d", want, have)
	}

	second := startKRaft(t, dist, first.dir)
	second.waitLog(`ready: phase=all`, 2*time.Minute)
	if strings.Contains(second.logs.String(), "phase=format") {
		t.Error("formatted again on a restart")
	}
	client := saramaClientFor(t, second.kafkaAddr, kraftClientVersion(version))
	if want, have := generated, clusterIDOf(t, client); want != have {
		t.Errorf("cluster id after restart: want %s, have %s", want, have)
	}
	client.Close()
	second.signal(syscall.SIGTERM)
	if want, have := 0, second.wait(time.Minute); want != have {
		t.Fatalf("second start: exit code: want %d, have %d", want, have)
	}

	data := filepath.Join(first.dir, "data")
	before := hashDir(t, data)
	const other = "MkU3OEVBNTcwNTJENDM2Qg"
	third := startKRaft(t, dist, first.dir, "KAFKA_CLUSTER_ID="+other)
	if want, have := 2, third.wait(time.Minute); want != have {
		t.Fatalf("other cluster id: exit code: want %d, have %d", want, have)
	}
	logs := strings.TrimSpace(third.logs.String())
	want := fmt.Sprintf("supervisor: %s: holds cluster.id=%s, but KAFKA_CLUSTER_ID gives %s", meta, generated, other)
	if !strings.HasPrefix(logs, want) || strings.Contains(logs, "\n") {
		t.Errorf("want one line starting %q, have %q", want, logs)
	}
	if after := hashDir(t, data); before != after {
		t.Errorf("data directory changed by a refused start: %s before, %s after", before, after)
	}
}

var clusterIDLine = regexp.MustCompile(`(?m)^cluster\.id=(\S+)$`)

// clusterIDIn reads cluster.id from a meta.properties.
func clusterIDIn(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := clusterIDLine.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s holds no cluster.id:\n%s", path, b)
	}
	return string(m[1])
}

// clusterIDOf asks the broker for its cluster id (Metadata v2 and later).
func clusterIDOf(t *testing.T, client sarama.Client) string {
	t.Helper()
	b, err := client.Controller()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.GetMetadata(&sarama.MetadataRequest{Version: 5})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ClusterID == nil {
		t.Fatal("metadata names no cluster id")
	}
	return *resp.ClusterID
}

// hashDir hashes the names, modes and contents of every file under dir.
func hashDir(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v %d\n", path, info.Mode(), info.Size())
		if d.Type().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestKRaftDurabilityAfterKill produces 100 000 messages with acks=all to
// a combined node, SIGKILLs the supervisor as PID 1, which takes its whole
// namespace down with no stop, and starts again on the same data: the
// node is ready again with every acknowledged message, in order, and the
// time to ready of both starts is logged. Unlike ZooKeeper mode (a wait
// of the session timeout, 6 s in TestDurabilityAfterKill and 18 s by
// default, before the broker even starts), the broker starts at once and
// its registration is refused with DuplicateBrokerRegistrationException
// until the restarted controller fences the killed one's, within
// broker.session.timeout.ms (3 s, config's fastRestart); the log recovery
// of the killed broker's segments comes on top.
func TestKRaftDurabilityAfterKill(t *testing.T) {
	dist := kraftDists(t)[0]
	spec := "KAFKA_CREATE_TOPICS=" + durableTopic + ":" + strconv.Itoa(durablePartitions) + ":1"
	first := startKRaftAsPID1(t, dist, "", spec)
	first.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	t.Logf("first start: %s", first.waitLog(`ready: phase=all took=\S+`, time.Second)[0])
	acked := produceAll(t, first.kafkaAddr, durableMessages)
	first.signal(syscall.SIGKILL)
	first.wait(time.Minute)
	eventually(t, "the namespace's processes end with its PID 1", 30*time.Second, func() string {
		if left := processesUnder(first.dir); len(left) > 0 {
			return fmt.Sprint(left)
		}
		return ""
	})

	second := startKRaftAsPID1(t, dist, first.dir, spec)
	second.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	logs := second.logs.String()
	if strings.Contains(logs, "phase=format") {
		t.Error("formatted again after a SIGKILL")
	}
	t.Logf("after SIGKILL: %s, %d registrations refused as duplicates", second.waitLog(`ready: phase=all took=\S+`, time.Second)[0],
		strings.Count(logs, "DuplicateBrokerRegistrationException in"))
	have := consumeAll(t, second.kafkaAddr)
	t.Logf("after SIGKILL: %d of %d acknowledged messages survived (%v of %v per partition)",
		sum(have), sum(acked), have, acked)
	if fmt.Sprint(acked) != fmt.Sprint(have) {
		t.Errorf("messages per partition: want %v, have %v", acked, have)
	}
	second.stopCleanly()
}

// TestKRaftDynamicQuorum starts a combined node with a dynamic quorum
// (KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS): the format makes it the
// first voter (--standalone), it is ready with its topic and takes a
// write, and the metadata log Kafka wrote keeps its voters itself. A
// start on that data without the variable is refused, exit 2, one line,
// the data byte for byte as it was; with it, the node is ready again.
func TestKRaftDynamicQuorum(t *testing.T) {
	dist := kraftDists(t)[0]
	ctrl := strconv.Itoa(freePort(t))
	dynamic := []string{"KAFKA_CONTROLLER_PORT=" + ctrl, "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS=127.0.0.1:" + ctrl,
		"KAFKA_CREATE_TOPICS=" + seedTopic + ":1:1"}
	first := startKRaft(t, dist, "", dynamic...)
	first.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	first.waitLog(`starting: phase=format .*quorum=--standalone`, time.Second)
	client := clusterClient(t, first.kafkaAddr)
	produce(t, client, seedTopic, 0, "dynamic")
	client.Close()
	first.stopCleanly()
	logDir := filepath.Join(first.dir, "data", "kafka")
	if q, err := storage.InspectQuorum(logDir); err != nil || q != storage.QuorumDynamic {
		t.Errorf("the metadata log's quorum: want dynamic, have %v (%v)", q, err)
	}

	data := filepath.Join(first.dir, "data")
	before := hashDir(t, data)
	static := startKRaft(t, dist, first.dir, "KAFKA_CONTROLLER_PORT="+ctrl)
	if want, have := 2, static.wait(time.Minute); want != have {
		t.Fatalf("without the bootstrap servers: exit code: want %d, have %d", want, have)
	}
	logs := strings.TrimSpace(static.logs.String())
	want := "supervisor: KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS: unset, but " + logDir + " was formatted for a dynamic quorum"
	if !strings.HasPrefix(logs, want) || strings.Contains(logs, "\n") {
		t.Errorf("want one line starting %q, have %q", want, logs)
	}
	if after := hashDir(t, data); before != after {
		t.Errorf("data directory changed by a refused start")
	}

	again := startKRaft(t, dist, first.dir, dynamic...)
	again.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	t.Logf("first start %s, again %s", first.waitLog(`ready: phase=all took=\S+`, time.Second)[0], again.waitLog(`ready: phase=all took=\S+`, time.Second)[0])
	client = clusterClient(t, again.kafkaAddr)
	if want, have := []string{"dynamic"}, consume(t, client, seedTopic, 0, 1); !reflect.DeepEqual(want, have) {
		t.Errorf("after the restart: want %q, have %q", want, have)
	}
	client.Close()
	again.stopCleanly()
}
