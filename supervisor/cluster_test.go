package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/hashicorp/go-hclog"

	"github.com/kafka-on-kubernetes/supervisor/internal/quorum"
	"github.com/kafka-on-kubernetes/supervisor/internal/zkwait"
)

// Ports inside each pod: the same in every pod, as in a StatefulSet.
const (
	podKafkaHTTP = 8080
	podZKHTTP    = 8081
)

const clusterTopic = "cluster"

// TestCluster runs a three-pod cluster as the StatefulSets do: each pod a
// network namespace with its own address, running a ZooKeeper-role and a
// Kafka-role supervisor, each as PID 1 of its own PID namespace, with
// ids from the pod's ordinal. The ensemble forms (one leader, two
// followers, each member ready only then), three brokers register at
// their pods' addresses, the topic is created once with three replicas,
// and a message produced with acks=all through one broker is read through
// another. Then the pod whose ZooKeeper leads is stopped with SIGTERM:
// the other two elect a leader and stay ready, and the partition that
// pod's broker led still takes acks=all writes with min.insync.replicas=2
// and still holds the first message. Then a second broker stops: with
// one replica in sync, acks=all is refused. Last, a second ZooKeeper
// stops: the one left has no quorum and is no longer ready.
func TestCluster(t *testing.T) {
	kafkaDist(t)
	t0 := time.Now()
	pods := podNetwork(t, 3)
	var zkServers, zkConnect []string
	for _, p := range pods {
		zkServers = append(zkServers, p.addr)
		zkConnect = append(zkConnect, net.JoinHostPort(p.addr, "2181"))
	}
	startZK := func(i int) *instance {
		return startInPod(t, pods[i], podZKHTTP, "SUPERVISOR_ROLE=zookeeper", fmt.Sprintf("HOSTNAME=zk-%d", i),
			"ZOOKEEPER_SERVERS="+strings.Join(zkServers, ","), "ZOOKEEPER_MY_ID=ordinal",
			"ZOOKEEPER_HEAP_OPTS=-Xmx128m -Xms128m")
	}
	startKafka := func(i int) *instance {
		in := startInPod(t, pods[i], podKafkaHTTP, "SUPERVISOR_ROLE=kafka", fmt.Sprintf("HOSTNAME=kafka-%d", i),
			"KAFKA_BROKER_ID=ordinal", "KAFKA_ADVERTISED_HOST_NAME="+pods[i].addr,
			"KAFKA_ZOOKEEPER_CONNECT="+strings.Join(zkConnect, ","),
			"KAFKA_CREATE_TOPICS="+clusterTopic+":3:3", "KAFKA_MIN_INSYNC_REPLICAS=2",
			"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=3", "KAFKA_HEAP_OPTS=-Xmx256m -Xms256m")
		in.kafkaAddr = net.JoinHostPort(pods[i].addr, "9092")
		return in
	}

	// One member alone answers, but has no quorum: not ready.
	zks := []*instance{startZK(0)}
	zks[0].waitLog(`answering: phase=zookeeper mode="not serving"`, 2*time.Minute)
	zks[0].waitProbe("/readyz", 503, "not ready: waiting for quorum", 10*time.Second)
	zks = append(zks, startZK(1), startZK(2))
	var kafkas []*instance
	for i := range pods {
		kafkas = append(kafkas, startKafka(i))
	}

	// The ensemble: every member ready, one leader and two followers.
	for _, zk := range zks {
		zk.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	}
	var modes []quorum.Mode
	eventually(t, "one leader and two followers", time.Minute, func() string {
		var err error
		if modes, err = askModes(pods); err != nil {
			return err.Error()
		}
		if want, have := []quorum.Mode{quorum.Follower, quorum.Follower, quorum.Leader}, sorted(modes); !reflect.DeepEqual(want, have) {
			return fmt.Sprintf("modes %v", modes)
		}
		return ""
	})
	leader := slices.Index(modes, quorum.Leader)
	t.Logf("ensemble formed after %s; zookeeper %d leads", since(t0), leader+1)

	// Three brokers, ids from the ordinals, each at its pod's address.
	for _, k := range kafkas {
		k.waitLog(`ready: phase=all`, 3*time.Minute)
		k.waitProbe("/readyz", 200, "ready", 10*time.Second)
	}
	t.Logf("brokers ready after %s", since(t0))
	if want, have := []string{"0", "1", "2"}, registeredBrokers(t, zkConnect); !reflect.DeepEqual(want, have) {
		t.Errorf("/brokers/ids: want %v, have %v", want, have)
	}
	client := clusterClient(t, kafkas[0].kafkaAddr)
	for _, b := range client.Brokers() {
		if id := int(b.ID()); id < 0 || id >= len(pods) || b.Addr() != kafkas[id].kafkaAddr {
			t.Errorf("broker %d advertised at %s, want the address of pod %d", id, b.Addr(), id)
		}
	}
	if want, have := len(pods), len(client.Brokers()); want != have {
		t.Errorf("brokers in metadata: want %d, have %d", want, have)
	}

	// The topic: created by one broker, found by the others, 3 replicas.
	created := 0
	for _, k := range kafkas {
		created += strings.Count(k.logs.String(), "topic created: topic="+clusterTopic)
	}
	if want, have := 1, created; want != have {
		t.Errorf("topic created by %d brokers, want %d", have, want)
	}
	// Every broker learns of the topic in its own time: a client may ask
	// any of them.
	eventually(t, "every partition led, 3 replicas in sync", time.Minute, func() string {
		return inSync(client, clusterTopic, 3, 3)
	})
	if want, have := "2", topicConfig(t, client, clusterTopic, "min.insync.replicas"); want != have {
		t.Errorf("min.insync.replicas: want %s, have %s", want, have)
	}
	// The partition led by the broker of the pod whose ZooKeeper leads:
	// stopping that pod moves both leaderships.
	partition := ledBy(t, client, clusterTopic, int32(leader))

	// Produced through one broker with acks=all, read through another.
	other1, other2 := (leader+1)%3, (leader+2)%3
	first := fmt.Sprintf("first, to partition %d", partition)
	produce(t, clusterClient(t, kafkas[other1].kafkaAddr), clusterTopic, partition, first)
	if want, have := []string{first}, consume(t, clusterClient(t, kafkas[other2].kafkaAddr), clusterTopic, partition, 1); !reflect.DeepEqual(want, have) {
		t.Errorf("consumed: want %q, have %q", want, have)
	}

	// The pod stops: its Kafka (controlled shutdown), then its ZooKeeper.
	t.Logf("stopping pod %d after %s", leader, since(t0))
	for _, in := range []*instance{kafkas[leader], zks[leader]} {
		in.signal(syscall.SIGTERM)
		if want, have := 0, in.wait(time.Minute); want != have {
			t.Fatalf("exit code after SIGTERM: want %d, have %d", want, have)
		}
	}
	if !strings.Contains(kafkas[leader].logs.String(), "Controlled shutdown request returned successfully") {
		t.Error("the stopped broker did not complete a controlled shutdown")
	}

	// Two of three ZooKeepers: a quorum, a new leader, both ready.
	restPods := []pod{pods[other1], pods[other2]}
	eventually(t, "two members left: a leader and a follower, both ready", time.Minute, func() string {
		for _, zk := range []*instance{zks[other1], zks[other2]} {
			if code, body := zk.probe("/readyz"); code != 200 {
				return fmt.Sprintf("%s: %d %s", zk.httpAddr, code, body)
			}
		}
		modes, err := askModes(restPods)
		if err != nil {
			return err.Error()
		}
		if !reflect.DeepEqual(sorted(modes), []quorum.Mode{quorum.Follower, quorum.Leader}) {
			return fmt.Sprintf("modes %v", modes)
		}
		return ""
	})

	// The partition moved to a broker still in its ISR and takes acks=all.
	client = clusterClient(t, kafkas[other2].kafkaAddr)
	inSyncWith := func(want ...int32) func() string {
		return func() string {
			if err := client.RefreshMetadata(clusterTopic); err != nil {
				return err.Error()
			}
			b, err := client.Leader(clusterTopic, partition)
			if err != nil || !slices.Contains(want, b.ID()) {
				return fmt.Sprintf("leader %v (%v)", b, err)
			}
			isr, err := client.InSyncReplicas(clusterTopic, partition)
			slices.Sort(isr)
			if err != nil || !slices.Equal(isr, want) {
				return fmt.Sprintf("in sync %v (%v)", isr, err)
			}
			return ""
		}
	}
	live := []int32{int32(other1), int32(other2)}
	slices.Sort(live)
	eventually(t, fmt.Sprintf("partition %d led and in sync on brokers %v", partition, live), time.Minute, inSyncWith(live...))
	second := "second, after a pod stopped"
	produce(t, clusterClient(t, kafkas[other1].kafkaAddr), clusterTopic, partition, second)
	if want, have := []string{first, second}, consume(t, client, clusterTopic, partition, 2); !reflect.DeepEqual(want, have) {
		t.Errorf("consumed: want %q, have %q", want, have)
	}

	// One broker left: acks=all is refused, as min.insync.replicas=2 asks.
	kafkas[other1].signal(syscall.SIGTERM)
	if want, have := 0, kafkas[other1].wait(time.Minute); want != have {
		t.Fatalf("exit code after SIGTERM: want %d, have %d", want, have)
	}
	eventually(t, fmt.Sprintf("partition %d on broker %d alone", partition, other2), time.Minute, inSyncWith(int32(other2)))
	lone := clusterClient(t, kafkas[other2].kafkaAddr)
	lone.Config().Producer.Retry.Max = 0
	if err := send(lone, clusterTopic, partition, "third, refused"); !errors.Is(err, sarama.ErrNotEnoughReplicas) {
		t.Errorf("acks=all with one broker in sync: want %v, have %v", sarama.ErrNotEnoughReplicas, err)
	}

	// One ZooKeeper left of three: no quorum, alive but not ready.
	zks[other1].signal(syscall.SIGTERM)
	if want, have := 0, zks[other1].wait(time.Minute); want != have {
		t.Fatalf("exit code after SIGTERM: want %d, have %d", want, have)
	}
	zks[other2].waitProbe("/readyz", 503, "not ready: waiting for quorum", time.Minute)
	if code, body := zks[other2].probe("/livez"); code != 200 {
		t.Errorf("/livez without quorum: want 200, have %d %q", code, body)
	}
	zks[other2].waitLog(`not serving: no quorum`, 10*time.Second)
	t.Logf("done after %s", since(t0))
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Millisecond) }

func sorted(modes []quorum.Mode) []quorum.Mode {
	out := slices.Clone(modes)
	slices.Sort(out)
	return out
}

// askModes asks each pod's ZooKeeper its mode with srvr. A member that
// is changing roles may close the connection without a reply: the
// callers ask again until their deadline.
func askModes(pods []pod) ([]quorum.Mode, error) {
	modes := make([]quorum.Mode, len(pods))
	for i, p := range pods {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		mode, err := quorum.Ask(ctx, net.JoinHostPort(p.addr, "2181"))
		cancel()
		if err != nil {
			return nil, fmt.Errorf("zookeeper of pod %s: %w", p.addr, err)
		}
		modes[i] = mode
	}
	return modes, nil
}

// registeredBrokers lists /brokers/ids, read through a session of its own.
func registeredBrokers(t *testing.T, servers []string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := zkwait.Wait(ctx, servers, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ids, _, err := conn.Children("/brokers/ids")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// clusterClient is a client bootstrapped on addr alone, which produces
// with acks=all to the partition it is told.
func clusterClient(t *testing.T, addr string) sarama.Client {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_9_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Producer.Retry.Max = 20
	cfg.Producer.Retry.Backoff = 500 * time.Millisecond
	client, err := sarama.NewClient([]string{addr}, cfg)
	if err != nil {
		t.Fatalf("client of %s: %v", addr, err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func produce(t *testing.T, client sarama.Client, topic string, partition int32, value string) {
	t.Helper()
	if err := send(client, topic, partition, value); err != nil {
		t.Fatalf("produce with acks=all to %s/%d: %v", topic, partition, err)
	}
}

// send produces one message with the client's settings (acks=all).
func send(client sarama.Client, topic string, partition int32, value string) error {
	producer, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		return err
	}
	defer producer.Close()
	_, _, err = producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: partition, Value: sarama.StringEncoder(value)})
	return err
}

// eventually waits until cond returns "", failing with what it returned
// last when d has passed.
func eventually(t testing.TB, what string, d time.Duration, cond func() string) {
	t.Helper()
	deadline := time.After(d)
	for {
		last := cond()
		if last == "" {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("%s: not within %s; last: %s", what, d, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// consume reads the first n messages of the partition.
func consume(t *testing.T, client sarama.Client, topic string, partition int32, n int) []string {
	t.Helper()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, partition, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var out []string
	timeout := time.After(30 * time.Second)
	for len(out) < n {
		select {
		case msg := <-pc.Messages():
			out = append(out, string(msg.Value))
		case err := <-pc.Errors():
			t.Fatalf("consume %s/%d: %v", topic, partition, err)
		case <-timeout:
			t.Fatalf("consume %s/%d: %d of %d messages within 30s: %q", topic, partition, len(out), n, out)
		}
	}
	return out
}

func mustPartitions(t *testing.T, client sarama.Client, topic string) []int32 {
	t.Helper()
	parts, err := client.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

// inSync says what topic lacks, or "".
func inSync(client sarama.Client, topic string, partitions, replicas int) string {
	if err := client.RefreshMetadata(topic); err != nil {
		return err.Error()
	}
	parts, err := client.Partitions(topic)
	if err != nil || len(parts) != partitions {
		return fmt.Sprintf("partitions %v (%v)", parts, err)
	}
	for _, p := range parts {
		if _, err := client.Leader(topic, p); err != nil {
			return fmt.Sprintf("partition %d: no leader: %v", p, err)
		}
		r, _ := client.Replicas(topic, p)
		isr, _ := client.InSyncReplicas(topic, p)
		if len(r) != replicas || len(isr) != replicas {
			return fmt.Sprintf("partition %d: replicas %v, in sync %v", p, r, isr)
		}
	}
	return ""
}

// ledBy returns the partition of topic that broker id leads.
func ledBy(t *testing.T, client sarama.Client, topic string, id int32) int32 {
	t.Helper()
	for _, p := range mustPartitions(t, client, topic) {
		if b, err := client.Leader(topic, p); err == nil && b.ID() == id {
			return p
		}
	}
	t.Fatalf("broker %d leads no partition of %s", id, topic)
	return -1
}

// topicConfig returns the value in effect of one setting of topic.
func topicConfig(t *testing.T, client sarama.Client, topic, name string) string {
	t.Helper()
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	// Closing the admin would close the client the test still uses. The
	// broker asked may not know the topic yet: asked again until it does.
	var entries []sarama.ConfigEntry
	eventually(t, "describe topic "+topic, time.Minute, func() string {
		var err error
		if entries, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic, ConfigNames: []string{name}}); err != nil {
			return err.Error()
		}
		return ""
	})
	for _, e := range entries {
		if e.Name == name {
			return e.Value
		}
	}
	t.Fatalf("topic %s has no %s", topic, name)
	return ""
}

// TestCheckOrdinalFromKernel: without HOSTNAME in the environment, the
// ordinal comes from the kernel's host name (here that of a UTS namespace
// of its own), and check shows the ensemble and the myid it would write.
func TestCheckOrdinalFromKernel(t *testing.T) {
	dist := kafkaDist(t)
	if os.Geteuid() != 0 {
		missing(t, "a UTS namespace needs root")
	}
	dir := t.TempDir()
	copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	cmd := exec.Command("unshare", "--uts", "sh", "-c", `echo zk-2 >/proc/sys/kernel/hostname && exec "$0" check`, binary)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOSTNAME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "KAFKA_HOME="+dist, "SUPERVISOR_CONFIG_DIR="+filepath.Join(dir, "config"),
		"SUPERVISOR_DATA_DIR="+filepath.Join(dir, "data"), "SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_MY_ID=ordinal",
		"ZOOKEEPER_SERVERS=zk-0.zk:2888:3888,zk-1.zk:2888:3888,zk-2.zk:2888:3888",
		"SUPERVISOR_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(freePort(t)), "ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(freePort(t)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	for _, want := range []string{
		"  + server.1=zk-0.zk:2888:3888\n",
		"  + server.3=zk-2.zk:2888:3888\n",
		"  + initLimit=10\n",
		"  + syncLimit=5\n",
		"  + quorumListenOnAllIPs=true\n",
		filepath.Join(dir, "data") + "/zookeeper/myid: 3\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}

// TestEnsembleOfOne: ZooKeeper runs a list of one server standalone, and
// the member is ready as such.
func TestEnsembleOfOne(t *testing.T) {
	in := startSupervisor(t, "SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_MY_ID=1", "ZOOKEEPER_HEAP_OPTS=-Xmx128m -Xms128m",
		fmt.Sprintf("ZOOKEEPER_SERVERS=127.0.0.1:%d:%d", freePort(t), freePort(t)))
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	in.waitLog(`ready: phase=zookeeper mode=standalone`, 10*time.Second)
	in.signal(syscall.SIGTERM)
	if want, have := 0, in.wait(time.Minute); want != have {
		t.Errorf("exit code: want %d, have %d", want, have)
	}
}
