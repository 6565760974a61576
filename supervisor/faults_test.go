package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// Faults of the disks under the servers: each must end in a state the
// supervisor names, never in a silent one.

// mountNS is a mount namespace of the test's own with a tmpfs mounted in
// it, held by a process that lives as long as its stdin is open: the test
// closes it at the end, and so does the test's death. Supervisors started
// in it (wrap) see the tmpfs, and its content outlives each of them; the
// test reaches it through /proc/<pid>/root.
type mountNS struct {
	pid int
}

// newMountNS mounts a tmpfs of size (a mount -o size= value) at dir, in a
// new mount namespace whose mounts do not propagate to the host's.
func newMountNS(t *testing.T, dir, size string) *mountNS {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "mount namespaces need root")
	}
	for _, tool := range []string{"unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing(t, "mount namespaces need %s (util-linux): %v", tool, err)
		}
	}
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mkdir -p "$1" && mount -t tmpfs -o size="$2" tmpfs "$1" && echo mounted && exec cat`, "sh", dir, size)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		stdin.Close()
		<-exited
	})
	mounted := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		mounted <- line == "mounted\n"
		exited <- cmd.Wait()
	}()
	select {
	case ok := <-mounted:
		if !ok {
			t.Fatalf("mount a tmpfs at %s in a new mount namespace: %s", dir, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no tmpfs mounted at %s after 30s", dir)
	}
	return &mountNS{pid: cmd.Process.Pid}
}

// path is where the test reaches path of the namespace.
func (m *mountNS) path(path string) string {
	return fmt.Sprintf("/proc/%d/root%s", m.pid, path)
}

// wrap runs the supervisor as PID 1 of a new PID namespace, in a copy of
// the mount namespace: the tmpfs is the same one.
func (m *mountNS) wrap() []string {
	return append([]string{"nsenter", fmt.Sprintf("--mount=/proc/%d/ns/mnt", m.pid), "--"}, unshare...)
}

// fillTopic is the topic that the broker fills its disk with.
const fillTopic = "fill"

// message is the value of the message at offset i of fillTopic: 1 KB
// that differ from any other offset's.
func message(i int64) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("%09d.", i)), 100)
}

// fill produces fillTopic's messages in batches with acks=all until the
// broker refuses a batch, and returns how many were acknowledged: the
// offsets below acked. It fails the test if the broker took limit
// messages.
func fill(t *testing.T, addr string, limit int64) (acked int64, err error) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_9_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Retry.Max = 0 // a retry could store a batch twice
	cfg.Metadata.AllowAutoTopicCreation = false
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const batch = 50
	for acked < limit {
		msgs := make([]*sarama.ProducerMessage, batch)
		for j := range msgs {
			msgs[j] = &sarama.ProducerMessage{Topic: fillTopic, Partition: 0, Value: sarama.ByteEncoder(message(acked + int64(j)))}
		}
		err := p.SendMessages(msgs)
		if err == nil {
			acked += batch
			continue
		}
		// One partition, one producer: what was acknowledged is a prefix.
		var errs sarama.ProducerErrors
		if errors.As(err, &errs) {
			failed := map[*sarama.ProducerMessage]bool{}
			for _, e := range errs {
				failed[e.Msg] = true
			}
			for _, m := range msgs {
				if failed[m] {
					break
				}
				acked++
			}
			err = errs[0].Err
		}
		return acked, err
	}
	t.Fatalf("the broker took %d messages of 1 KB without a failure", limit)
	return acked, nil
}

// readBack reads fillTopic from the oldest offset to the newest and
// checks each message is the one produced at its offset; it returns how
// many there are.
func readBack(t *testing.T, addr string) int64 {
	t.Helper()
	client := saramaClient(t, addr)
	oldest, err := client.GetOffset(fillTopic, 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	newest, err := client.GetOffset(fillTopic, 0, sarama.OffsetNewest)
	if err != nil {
		t.Fatal(err)
	}
	if oldest != 0 {
		t.Errorf("oldest offset: want 0, have %d", oldest)
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(fillTopic, 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	deadline := time.After(time.Minute)
	for want := oldest; want < newest; want++ {
		select {
		case m := <-pc.Messages():
			if m.Offset != want || !bytes.Equal(m.Value, message(m.Offset)) {
				t.Fatalf("offset %d: want the message produced at %d, have %.20q… at %d", want, want, m.Value, m.Offset)
			}
		case <-deadline:
			t.Fatalf("read %d of %d messages within a minute", want-oldest, newest-oldest)
		}
	}
	return newest
}

// fullDisk is a Kafka log directory on a 24 MiB tmpfs in a mount
// namespace of the test's, 4 MiB of which a file of the test's takes, so
// that space can be freed without deleting the broker's data.
type fullDisk struct {
	t      *testing.T
	dist   string
	dir    string   // the supervisor's directory
	ns     *mountNS // where the tmpfs is
	logs   string   // the log directory, as the supervisor sees it
	filler string   // the test's file, as the test reaches it
	env    []string
}

// newFullDisk prepares a fullDisk; env comes after its own variables.
func newFullDisk(t *testing.T, env ...string) *fullDisk {
	t.Helper()
	f := &fullDisk{t: t, dist: kafkaDist(t), dir: t.TempDir()}
	copyDir(t, filepath.Join(f.dist, "config"), filepath.Join(f.dir, "config"))
	fs := filepath.Join(f.dir, "data", "kafka-fs")
	f.ns = newMountNS(t, fs, "24m")
	f.logs = filepath.Join(fs, "logs")
	f.filler = f.ns.path(filepath.Join(fs, "filler"))
	if err := os.WriteFile(f.filler, bytes.Repeat([]byte{'x'}, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	f.env = append([]string{"KAFKA_LOG_DIRS=" + f.logs, "KAFKA_CREATE_TOPICS=" + fillTopic + ":1:1"}, env...)
	return f
}

// start starts a supervisor as PID 1 on the tmpfs, on its data if any.
func (f *fullDisk) start() *instance {
	f.t.Helper()
	return startIn(f.t, f.dist, f.dir, f.ns.wrap(), f.env...)
}

// exitLine returns the supervisor's line saying child exited on its own
// with code, naming its last errors; it fails the test without one.
func (in *instance) exitLine(child string, code int) string {
	in.t.Helper()
	re := fmt.Sprintf(`(?m)^.*child exited on its own: stopped the rest: child=%s status="exit code %d" exit_code=%d last_errors=.*$`, child, code, code)
	line := regexp.MustCompile(re).FindString(in.logs.String())
	if line == "" {
		in.t.Fatalf("no line saying %s exited with %d, naming its last errors", child, code)
	}
	return line
}

// stoppedInOrder checks the supervisor, once ended with code, stopped the
// server other than child after child's exit, and left nothing.
func (in *instance) stoppedInOrder(child string, code int) {
	in.t.Helper()
	other := map[string]string{"kafka": "zookeeper", "zookeeper": "kafka"}[child]
	logs := in.logs.String()
	exited := strings.Index(logs, "child exited on its own: stopped the rest: child="+child)
	stopped := strings.Index(logs, "stopped: child="+other+" status=")
	if stopped < 0 || exited < stopped {
		in.t.Errorf("want %s stopped, then the line saying %s exited", other, child)
	}
	if want := fmt.Sprintf("exit: code=%d left=0", code); !strings.Contains(logs, want) {
		in.t.Errorf("no line with %q", want)
	}
	if left := processesUnder(in.dir); len(left) > 0 {
		in.t.Errorf("processes left behind: %v", left)
	}
}

// TestFaultLogDirFull fills the broker's only log directory, a 24 MiB
// tmpfs that a 4 MiB file of the test's shares, by producing with
// acks=all under the default policy (never). Kafka 3.9.1 answers the
// write that fails with KAFKA_STORAGE_ERROR, logs "Error while appending
// records … java.io.IOException: No space left on device", marks the
// directory offline, and, having no other, halts with exit code 1:
// "Shutdown broker because all log dirs in … have failed". The
// supervisor stops ZooKeeper in order and exits 1, and its exit line
// names Kafka and those lines (last_errors), which its 30-line tail of
// stack trace and shutdown had lost. Once the file is deleted a new start
// on the same data recovers the log, and every acknowledged message is
// read back at its offset; messages not acknowledged may be there too
// (their answer was lost with the broker), never a torn one.
func TestFaultLogDirFull(t *testing.T) {
	f := newFullDisk(t)
	in := f.start()
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	acked, err := fill(t, in.kafkaAddr, 64<<10)
	t.Logf("%d messages of 1 KB acknowledged, then: %v", acked, err)
	if want, have := 1, in.wait(time.Minute); want != have {
		t.Errorf("exit code: want %d (the broker's own), have %d", want, have)
	}
	exit := in.exitLine("kafka", 1)
	for _, want := range []string{"java.io.IOException: No space left on device", "Shutdown broker because all log dirs in " + f.logs + " have failed"} {
		if !strings.Contains(exit, want) {
			t.Errorf("the exit line does not say %q: %s", want, exit)
		}
	}
	in.stoppedInOrder("kafka", 1)

	if err := os.Remove(f.filler); err != nil {
		t.Fatal(err)
	}
	again := f.start()
	again.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	kept := readBack(t, again.kafkaAddr)
	if kept < acked {
		t.Errorf("messages after the new start: want the %d acknowledged at least, have %d", acked, kept)
	}
	t.Logf("after the new start: %d messages read back, %d of them not acknowledged", kept, kept-acked)
	again.stopCleanly()
}

// TestFaultLogDirFullRestarted fills the broker's log directory as
// TestFaultLogDirFull does, under SUPERVISOR_RESTART=on-failure with a
// limit of 1. The broker halts (exit 1), and the restart line names its
// reason. Started again on the full disk, Kafka 3.9.1 fails its start:
// its log recovery cannot write its checkpoints ("No space left on
// device") and an index it maps faults ("java.lang.InternalError: a fault
// occurred in a recent unsafe memory access operation"), and it exits 1,
// "Exiting Kafka due to fatal exception during startup". The supervisor
// gives up at the limit, stops ZooKeeper, and exits 1 naming Kafka and
// those lines, with nothing left behind.
func TestFaultLogDirFullRestarted(t *testing.T) {
	f := newFullDisk(t, "SUPERVISOR_RESTART=on-failure", "SUPERVISOR_RESTART_LIMIT=1", "SUPERVISOR_RESTART_BACKOFF=100ms",
		// The halted broker's registration goes with its session.
		"KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS=6000")
	in := f.start()
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	acked, err := fill(t, in.kafkaAddr, 64<<10)
	t.Logf("%d messages of 1 KB acknowledged, then: %v", acked, err)
	restart := in.waitLog(`restarting: child=kafka status="exit code 1" restart=1 limit=1 in=100ms last_errors=(.*)`, time.Minute)[1]
	if want := "java.io.IOException: No space left on device"; !strings.Contains(restart, want) {
		t.Errorf("the restart line does not say %q: %s", want, restart)
	}
	if want, have := 1, in.wait(2*time.Minute); want != have {
		t.Errorf("exit code: want %d (the broker's own), have %d", want, have)
	}
	if want, have := 2, len(in.childPids("kafka")); want != have {
		t.Errorf("kafka starts: want %d, have %d", want, have)
	}
	if !strings.Contains(in.logs.String(), "restart limit reached: child=kafka limit=1") {
		t.Error(`no line with "restart limit reached: child=kafka limit=1"`)
	}
	exit := in.exitLine("kafka", 1)
	if want := "No space left on device"; !strings.Contains(exit, want) {
		t.Errorf("the exit line does not say %q: %s", want, exit)
	}
	t.Logf("exit line: %s", exit[strings.Index(exit, "last_errors="):])
	in.stoppedInOrder("kafka", 1)
}

// TestFaultZooKeeperReadOnly makes ZooKeeper's data directory read-only
// under a running broker, then creates topics, each a few writes to
// ZooKeeper, until it fails; under each restart policy.
//
// Root ignores file modes, and the kernel refuses to remount a file
// system read-only while a file on it is open for writing ("mount point
// is busy", measured: ZooKeeper holds its transaction log open), so the
// directory is bind-mounted read-only onto itself in the supervisor's
// mount namespace. ZooKeeper keeps writing the log it has open until it
// rolls it at a snapshot; snapCount=100 makes that come after 50 to 100
// writes. Measured with ZooKeeper 3.8.4 (Kafka 3.9.1): the next write
// opens a new file and fails (java.io.FileNotFoundException: …/log.N
// (Read-only file system)) and so does the snapshot; ZooKeeper logs
// "Severe unrecoverable error" and "Exiting JVM with code 10", and is gone
// within milliseconds. It never stays up refusing writes, which the
// supervisor's check of its session, a read (exists /), would not see.
// Started again on the directory, it refuses at once: "Unable to access
// datadir, exiting abnormally … Cannot write to data directory", exit 3.
//
// The supervisor marks ZooKeeper down at once (/readyz "not ready:
// zookeeper down", while it restarts and while Kafka stops). Under never
// it stops Kafka and exits 10; under on-failure with a limit of 1 it
// starts ZooKeeper again, which exits 3, then gives up, stops Kafka and
// exits 3. Kafka's controlled shutdown cannot end without ZooKeeper (it
// was killed after the stop timeout in the runs measured). The exit line
// names ZooKeeper and its reason, and nothing is left.
func TestFaultZooKeeperReadOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "mount namespaces need root")
	}
	for _, tc := range []struct {
		policy string
		env    []string
		code   int    // the exit code, ZooKeeper's last
		reason string // in the exit line's last_errors
	}{
		{"never", nil, 10, "(Read-only file system)"},
		{"on-failure", []string{"SUPERVISOR_RESTART=on-failure", "SUPERVISOR_RESTART_LIMIT=1", "SUPERVISOR_RESTART_BACKOFF=100ms"},
			3, "Cannot write to data directory"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			zkData := filepath.Join(t.TempDir(), "zookeeper")
			in := startAsPID1(t, append([]string{"ZOOKEEPER_DATA_DIR=" + zkData, "ZOOKEEPER_SNAP_COUNT=100", "SUPERVISOR_STOP_TIMEOUT=5s"}, tc.env...)...)
			in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
			out, err := exec.Command("nsenter", "--target", strconv.Itoa(in.supervisorPid()), "--mount", "sh", "-c",
				`mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/written" 2>/dev/null`, "sh", zkData).CombinedOutput()
			if err != nil {
				t.Fatalf("bind %s read-only in the supervisor's mount namespace: %v %s", zkData, err, out)
			}
			created, down, readyAfter := in.createTopicsUntilExit()
			kafka := regexp.MustCompile(`stopped: child=kafka status="[^"]*" took=\S+`).FindString(in.logs.String())
			t.Logf("%d topics created before ZooKeeper failed; %s", created, kafka)
			if want, have := tc.code, in.exitCode; want != have {
				t.Errorf("exit code: want %d (ZooKeeper's own), have %d", want, have)
			}
			if tc.policy == "on-failure" {
				restart := in.waitLog(`restarting: child=zookeeper status="exit code 10" restart=1 limit=1 in=100ms last_errors=(.*)`, time.Second)[1]
				if want := "(Read-only file system)"; !strings.Contains(restart, want) {
					t.Errorf("the restart line does not say %q: %s", want, restart)
				}
				if !strings.Contains(in.logs.String(), "restart limit reached: child=zookeeper limit=1") {
					t.Error(`no line with "restart limit reached: child=zookeeper limit=1"`)
				}
			}
			exit := in.exitLine("zookeeper", tc.code)
			if !strings.Contains(exit, tc.reason) {
				t.Errorf("the exit line does not say %q: %s", tc.reason, exit)
			}
			if !down {
				t.Error(`/readyz never said "not ready: zookeeper down" after ZooKeeper's exit`)
			}
			if readyAfter {
				t.Error("/readyz said ready while Kafka stopped after ZooKeeper's exit")
			}
			in.stoppedInOrder("zookeeper", tc.code)
		})
	}
}

// createTopicsUntilExit creates topics until the supervisor ends, asking
// /readyz meanwhile as a probe would. It returns how many topics were
// created, whether /readyz said ZooKeeper was down, and whether it said
// ready once Kafka's stop had begun. It fails the test if the supervisor
// runs on for 2 minutes.
func (in *instance) createTopicsUntilExit() (created int, down, readyAfter bool) {
	in.t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_9_0_0
	cfg.Admin.Timeout = 5 * time.Second
	cfg.Net.DialTimeout, cfg.Net.ReadTimeout, cfg.Net.WriteTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	admin, err := sarama.NewClusterAdmin([]string{in.kafkaAddr}, cfg)
	if err != nil {
		in.t.Fatal(err)
	}
	creating := make(chan struct{})
	go func() {
		defer close(creating)
		defer admin.Close()
		for i := 0; i < 500; i++ {
			select {
			case <-in.done:
				return
			default:
			}
			if admin.CreateTopic(fmt.Sprintf("topic-%d", i), &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false) == nil {
				created++
			}
		}
	}()
	deadline := time.After(2 * time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		// Read before the probe: once Kafka's stop is logged, ZooKeeper
		// has been marked down.
		stopping := strings.Contains(in.logs.String(), "stopping: child=kafka")
		code, body := in.probe("/readyz")
		switch {
		case code == 503 && body == "not ready: zookeeper down":
			down = true
		case code == 200 && stopping:
			readyAfter = true
		}
		select {
		case <-in.done:
			<-creating // it ends at its next topic
			return created, down, readyAfter
		case <-deadline:
			in.t.Fatalf("the supervisor still runs 2 minutes after ZooKeeper's directory turned read-only")
		case <-tick.C:
		}
	}
}
