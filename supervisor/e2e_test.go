package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

const seedTopic = "kafka-on-kubernetes"

// TestSeedScenario replays the seed walkthrough with no manual step, on
// each broker version of the matrix: one start gives ZooKeeper, Kafka and
// the topic; a line produced with the console producer is read back by the
// console consumer and by sarama; ZooKeeper logged no stack trace while it
// started; SIGTERM stops Kafka, then ZooKeeper, and leaves nothing behind.
func TestSeedScenario(t *testing.T) {
	for _, dist := range kafkaDists(t) {
		t.Run(distVersion(t, dist).String(), func(t *testing.T) { seedScenario(t, dist) })
	}
}

func seedScenario(t *testing.T, dist string) {
	version := distVersion(t, dist)
	in := startDist(t, dist, "KAFKA_CREATE_TOPICS="+seedTopic+":1:1")

	// /readyz answers 503 with its phase until the topic has a leader.
	var notReady []string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, body := in.probe("/readyz")
		if code == 200 {
			break
		}
		if code == 503 {
			notReady = append(notReady, body)
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
	// Checked at once: ready must mean the topic already has its leader.
	client := saramaClientFor(t, in.kafkaAddr, version)
	parts, err := client.Partitions(seedTopic)
	if err != nil {
		t.Fatalf("ready, but topic %s: %v", seedTopic, err)
	}
	if want, have := 1, len(parts); want != have {
		t.Errorf("partitions: want %d, have %d", want, have)
	}
	replicas, err := client.Replicas(seedTopic, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want, have := 1, len(replicas); want != have {
		t.Errorf("replicas: want %d, have %d", want, have)
	}
	if _, err := client.Leader(seedTopic, 0); err != nil {
		t.Errorf("ready, but partition 0 has no leader: %v", err)
	}
	if len(notReady) == 0 {
		t.Error("/readyz never answered 503 before ready")
	}
	for _, body := range notReady {
		if !strings.HasPrefix(body, "not ready: ") {
			t.Errorf("503 body %q does not name the phase", body)
		}
	}
	if code, body := in.probe("/livez"); code != 200 {
		t.Errorf("/livez: want 200, have %d %q", code, body)
	}

	// The seed's step 6, with the distribution's own console tools.
	producer := []string{"--bootstrap-server", in.kafkaAddr, "--topic", seedTopic}
	consumer := []string{"--bootstrap-server", in.kafkaAddr, "--topic", seedTopic, "--from-beginning", "--max-messages", "1", "--timeout-ms", "60000"}
	if !version.IsAtLeast(sarama.V0_10_1_0) {
		// The seed's own commands, which its last build (0.9.0.1) takes
		// too: these console consumers read through ZooKeeper unless told
		// --new-consumer, and the producer has no --bootstrap-server
		// before 2.2.
		producer = []string{"--broker-list", in.kafkaAddr, "--topic", seedTopic}
		consumer = []string{"--zookeeper", "127.0.0.1:" + strconv.Itoa(in.zkPort), "--topic", seedTopic, "--from-beginning", "--max-messages", "1"}
		if version.IsAtLeast(sarama.V0_9_0_0) {
			// 0.9's console producer is the new producer with acks=0 by
			// default, and it can close before its line is written:
			// 3 of 5 one-line runs kept their line here. With acks=1,
			// 6 of 6 did. 0.8.2.1's producer kept 12 of 12 with acks=0.
			producer = append(producer, "--request-required-acks", "1")
		}
	}
	in.roundTrip(t, client, producer, consumer)

	// SIGTERM: Kafka's controlled shutdown first, then ZooKeeper, exit 0.
	in.signal(syscall.SIGTERM)
	if want, have := 0, in.wait(time.Minute); want != have {
		t.Fatalf("exit code: want %d, have %d", want, have)
	}
	logs := in.logs.String()
	kafkaStopped := strings.Index(logs, "stopped: child=kafka")
	zkStopping := strings.Index(logs, "stopping: child=zookeeper")
	if kafkaStopped < 0 || zkStopping < 0 || kafkaStopped > zkStopping {
		t.Errorf("want kafka stopped (at %d) before zookeeper stopping (at %d)", kafkaStopped, zkStopping)
	}
	if want := controlledShutdownLine(version); !strings.Contains(logs, want) {
		t.Errorf("the broker did not complete a controlled shutdown: no line with %q", want)
	}
	if code, _ := in.probe("/readyz"); code != 0 {
		t.Errorf("health endpoint still answers after exit: %d", code)
	}
	if left := processesUnder(in.dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
	for _, want := range []string{"ready: phase=zookeeper took=", "ready: phase=kafka took=", "ready: phase=topics topics=1 took="} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q", want)
		}
	}
	checkQuietZooKeeper(t, logs)
}

// zooKeeperLine is a line of ZooKeeper's relayed output; exceptionLine the
// first line of a Java stack trace ("java.io.IOException: …").
var (
	zooKeeperLine = regexp.MustCompile(`^\S+ \[\w+\]\s+zookeeper: (.*)$`)
	exceptionLine = regexp.MustCompile(`^[\w.$]*(Exception|Error)(: |$)`)
)

// checkQuietZooKeeper checks ZooKeeper's output until the supervisor was
// ready: no stack trace, and none of the lines of a session refused
// because ZooKeeper did not serve yet. The supervisor asks srvr first.
func checkQuietZooKeeper(t *testing.T, logs string) {
	t.Helper()
	start, _, ok := strings.Cut(logs, "ready: phase=all")
	if !ok {
		t.Fatal("no ready: phase=all line")
	}
	lines := 0
	for _, line := range strings.Split(start, "\n") {
		m := zooKeeperLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		lines++
		msg := m[1]
		if strings.Contains(msg, "ZooKeeperServer not running") || strings.Contains(msg, "Close of session 0x0") ||
			strings.HasPrefix(msg, "\tat ") || exceptionLine.MatchString(msg) {
			t.Errorf("ZooKeeper logged at start: %s", line)
		}
	}
	if lines < 10 {
		t.Errorf("want ZooKeeper's output in the logs, have %d lines of it", lines)
	}
}

// TestZooKeeperDeathStopsKafka kills the ZooKeeper child: the supervisor
// stops Kafka and exits with ZooKeeper's status, naming it.
func TestZooKeeperDeathStopsKafka(t *testing.T) {
	in := startSupervisor(t, "SUPERVISOR_STOP_TIMEOUT=5s")
	in.waitLog(`ready: phase=all`, 2*time.Minute)
	zk := in.childPid("zookeeper")
	if err := syscall.Kill(zk, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if want, have := 128+int(syscall.SIGKILL), in.wait(time.Minute); want != have {
		t.Errorf("exit code: want %d, have %d", want, have)
	}
	logs := in.logs.String()
	for _, want := range []string{`child exited on its own: stopped the rest: child=zookeeper status="signal killed"`, "stopped: child=kafka"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q", want)
		}
	}
	if left := processesUnder(in.dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
}

// TestZooKeeperFailsToStart gives ZooKeeper a value only ZooKeeper checks
// (a tickTime that is not a number): the supervisor fails at once with
// ZooKeeper's own exit code (2, its "invalid config") and last lines, and
// never starts Kafka.
func TestZooKeeperFailsToStart(t *testing.T) {
	kafkaDist(t)
	// The supervisor refuses tickTime=abc itself, unless told not to check it.
	in := startSupervisor(t, "ZOOKEEPER_TICK_TIME=abc", "SUPERVISOR_EXTRA_PROPERTIES=tickTime")
	if want, have := 2, in.wait(time.Minute); want != have {
		t.Errorf("exit code: want %d, have %d", want, have)
	}
	logs := in.logs.String()
	for _, want := range []string{`child exited on its own: stopped the rest: child=zookeeper status="exit code 2"`, "Invalid config, exiting abnormally"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q", want)
		}
	}
	if strings.Contains(logs, "started: child=kafka") {
		t.Error("kafka was started although zookeeper never served")
	}
}

func saramaClient(t *testing.T, addr string) sarama.Client {
	t.Helper()
	return saramaClientFor(t, addr, sarama.V3_9_0_0)
}

// saramaClientFor returns a client for a broker of the given version.
func saramaClientFor(t *testing.T, addr string, version sarama.KafkaVersion) sarama.Client {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = version
	cfg.ApiVersionsRequest = version.IsAtLeast(sarama.V0_10_0_0)
	cfg.Metadata.AllowAutoTopicCreation = false
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	client, err := sarama.NewClient([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// roundTrip sends the seed's message with the distribution's console
// producer and reads it back with its console consumer and with sarama's,
// then closes the client.
func (in *instance) roundTrip(t *testing.T, client sarama.Client, producer, consumer []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const line = "Message from Kafka producer"
	in.run(ctx, line+"\n", "kafka-console-producer.sh", producer...)
	out := in.run(ctx, "", "kafka-console-consumer.sh", consumer...)
	if want, have := line, strings.TrimSpace(out); want != have {
		t.Errorf("console consumer: want %q, have %q", want, have)
	}
	if want, have := line, consumeOne(t, client, seedTopic); want != have {
		t.Errorf("sarama consumer: want %q, have %q", want, have)
	}
	client.Close()
}

// consumeOne reads the first message of partition 0.
func consumeOne(t *testing.T, client sarama.Client, topic string) string {
	t.Helper()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	select {
	case msg := <-pc.Messages():
		return string(msg.Value)
	case <-time.After(30 * time.Second):
		t.Fatal("no message within 30s")
		return ""
	}
}

// TestSecondSignalEscalates: a second SIGTERM during the stop kills what
// still runs; the supervisor itself still ends cleanly, with exit code 1.
func TestSecondSignalEscalates(t *testing.T) {
	// ZooKeeper ignores SIGTERM here, so the stop would wait for its grace.
	in := startSupervisor(t, "SUPERVISOR_STOP_TIMEOUT=60s", "SUPERVISOR_ROLE=zookeeper",
		"KAFKA_HOME="+deafDist(t))
	in.waitLog(`ready: phase=zookeeper`, time.Minute)
	in.signal(syscall.SIGTERM)
	in.waitLog(`stopping: child=zookeeper`, 10*time.Second)
	in.signal(syscall.SIGTERM)
	if want, have := 1, in.wait(10*time.Second); want != have {
		t.Errorf("exit code: want %d, have %d", want, have)
	}
	logs := in.logs.String()
	for _, want := range []string{"stop escalated: killing what still runs", `stopped: child=zookeeper status="signal killed"`, "stopped, but a child had to be killed"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q", want)
		}
	}
	if left := processesUnder(in.dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
}

// deafDist wraps the distribution so that its servers ignore SIGTERM, as
// a hung JVM would: a signal ignored at exec stays ignored by the JVM.
func deafDist(t *testing.T) string {
	t.Helper()
	real := kafkaDist(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"libs", "config"} {
		if err := os.Symlink(filepath.Join(real, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, script := range []string{"zookeeper-server-start.sh", "kafka-server-start.sh"} {
		wrapper := "#!/bin/sh\ntrap '' TERM\nexec " + filepath.Join(real, "bin", script) + " \"$@\"\n"
		if err := os.WriteFile(filepath.Join(dir, "bin", script), []byte(wrapper), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestKafkaDeathStopsZooKeeper kills the broker (registered under a
// chroot): the supervisor stops ZooKeeper and exits with Kafka's status.
func TestKafkaDeathStopsZooKeeper(t *testing.T) {
	zkPort := freePort(t)
	in := startSupervisor(t, "ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(zkPort),
		"KAFKA_ZOOKEEPER_CONNECT=127.0.0.1:"+strconv.Itoa(zkPort)+"/kafka")
	in.waitLog(`ready: phase=all`, 2*time.Minute)
	if err := syscall.Kill(in.childPid("kafka"), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if want, have := 128+int(syscall.SIGKILL), in.wait(time.Minute); want != have {
		t.Errorf("exit code: want %d, have %d", want, have)
	}
	logs := in.logs.String()
	for _, want := range []string{`child exited on its own: stopped the rest: child=kafka status="signal killed"`, `stopped: child=zookeeper status="exit code 143"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q", want)
		}
	}
	if left := processesUnder(in.dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
}

// TestRestartKeepsTopics stops cleanly and starts again on the same data:
// the topic exists (not an error), and the broker skips log recovery.
func TestRestartKeepsTopics(t *testing.T) {
	spec := "KAFKA_CREATE_TOPICS=" + seedTopic + ":1:1"
	first := startSupervisor(t, spec)
	first.waitLog(`ready: phase=all`, 2*time.Minute)
	first.signal(syscall.SIGTERM)
	if want, have := 0, first.wait(time.Minute); want != have {
		t.Fatalf("first exit code: want %d, have %d", want, have)
	}
	second := first.restart(spec)
	second.waitLog(`ready: phase=all`, 2*time.Minute)
	logs := second.logs.String()
	if !strings.Contains(logs, "topics up to date: nothing to do: topics=1") || strings.Contains(logs, "topic created") {
		t.Errorf("want the topic found, not created again")
	}
	if !strings.Contains(logs, "since clean shutdown file was found") || strings.Contains(logs, "no clean shutdown file") {
		t.Errorf("want the broker to skip log recovery after a clean stop")
	}
	second.signal(syscall.SIGTERM)
	if want, have := 0, second.wait(time.Minute); want != have {
		t.Errorf("second exit code: want %d, have %d", want, have)
	}
}

// controlledShutdownLine is what a broker of the version logs once its
// controlled shutdown has moved its leaderships away (as the matrix's
// 0.8.2.1, 2.8.2 and 3.9.1 log it).
func controlledShutdownLine(version sarama.KafkaVersion) string {
	if !version.IsAtLeast(sarama.V3_0_0_0) {
		return "Controlled shutdown succeeded"
	}
	return "Controlled shutdown request returned successfully"
}
