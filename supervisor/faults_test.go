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
// in it (startInMountNS) see the tmpfs; so does the test, through
// /proc/<pid>/root.
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
	dist := kafkaDist(t)
	dir := t.TempDir()
	copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	fs := filepath.Join(dir, "data", "kafka-fs")
	ns := newMountNS(t, fs, "24m")
	filler := ns.path(filepath.Join(fs, "filler"))
	if err := os.WriteFile(filler, bytes.Repeat([]byte{'x'}, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"KAFKA_LOG_DIRS=" + filepath.Join(fs, "logs"), "KAFKA_CREATE_TOPICS=" + fillTopic + ":1:1"}
	in := startIn(t, dist, dir, ns.wrap(), env...)
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	acked, err := fill(t, in.kafkaAddr, 64<<10)
	t.Logf("%d messages of 1 KB acknowledged, then: %v", acked, err)
	if want, have := 1, in.wait(time.Minute); want != have {
		t.Errorf("exit code: want %d (the broker's own), have %d", want, have)
	}
	logs := in.logs.String()
	exit := regexp.MustCompile(`(?m)^.*child exited on its own: stopped the rest: child=kafka status="exit code 1" exit_code=1 last_errors=.*$`).FindString(logs)
	if exit == "" {
		t.Fatal("no exit line naming kafka and its last errors")
	}
	for _, want := range []string{"java.io.IOException: No space left on device", "Shutdown broker because all log dirs in " + filepath.Join(fs, "logs") + " have failed"} {
		if !strings.Contains(exit, want) {
			t.Errorf("the exit line does not say %q: %s", want, exit)
		}
	}
	for _, want := range []string{`stopped: child=zookeeper status="exit code 143"`, "exit: code=1 left=0"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no line with %q", want)
		}
	}
	if left := processesUnder(dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	again := startIn(t, dist, dir, ns.wrap(), env...)
	again.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	kept := readBack(t, again.kafkaAddr)
	if kept < acked {
		t.Errorf("messages after the new start: want the %d acknowledged at least, have %d", acked, kept)
	}
	t.Logf("after the new start: %d messages read back, %d of them not acknowledged", kept, kept-acked)
	again.stopCleanly()
}
