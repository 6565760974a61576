package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSidecarRoles runs the two roles as two supervisors, as the sidecar
// pod does: Kafka is started first and waits for the ZooKeeper that comes
// later; its advertised host stands in for a pod IP.
func TestSidecarRoles(t *testing.T) {
	zkPort := freePort(t)
	kafka := startSupervisor(t, "SUPERVISOR_ROLE=kafka",
		"KAFKA_ZOOKEEPER_CONNECT=127.0.0.1:"+strconv.Itoa(zkPort),
		"KAFKA_ADVERTISED_HOST_NAME=127.0.0.2",
		"KAFKA_CREATE_TOPICS="+seedTopic+":2:1")
	// Kafka's role says what it waits for, and waits, until ZooKeeper comes.
	kafka.waitProbe("/readyz", 503, "not ready: waiting for zookeeper", time.Minute)
	if strings.Contains(kafka.logs.String(), "started: child=kafka") {
		t.Fatal("kafka started without zookeeper")
	}
	zk := startSupervisor(t, "SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(zkPort))
	zk.waitLog(`ready: phase=zookeeper`, time.Minute)
	if code, body := zk.probe("/readyz"); code != 200 {
		t.Errorf("zookeeper role: want ready, have %d %q", code, body)
	}
	kafka.waitLog(`ready: phase=all`, 2*time.Minute)
	if strings.Contains(zk.logs.String(), "started: child=kafka") || strings.Contains(kafka.logs.String(), "started: child=zookeeper") {
		t.Error("a role started the other role's server")
	}

	// A client that bootstraps on loopback is sent to the advertised address.
	client := saramaClient(t, kafka.kafkaAddr)
	brokers := client.Brokers()
	if len(brokers) != 1 || !strings.HasPrefix(brokers[0].Addr(), "127.0.0.2:") {
		t.Errorf("want the broker advertised at 127.0.0.2, have %v", brokers)
	}
	parts, err := client.Partitions(seedTopic)
	if err != nil || len(parts) != 2 {
		t.Errorf("want 2 partitions of %s, have %v (%v)", seedTopic, parts, err)
	}
	client.Close()

	kafka.signal(syscall.SIGTERM)
	if want, have := 0, kafka.wait(time.Minute); want != have {
		t.Errorf("kafka role exit: want %d, have %d", want, have)
	}
	zk.signal(syscall.SIGTERM)
	if want, have := 0, zk.wait(time.Minute); want != have {
		t.Errorf("zookeeper role exit: want %d, have %d", want, have)
	}
}

// TestPID1JSON runs the supervisor as PID 1 of its own PID namespace with
// JSON logs: every line is a JSON object naming its source, SIGTERM ends
// with exit 0 after both children stopped on their own (no kill needed).
func TestPID1JSON(t *testing.T) {
	in := startAsPID1(t, "SUPERVISOR_LOG_FORMAT=json", "KAFKA_CREATE_TOPICS="+seedTopic+":1:1")
	in.waitLog(`"@message":"ready".*"phase":"all"`, 2*time.Minute)
	in.signal(syscall.SIGTERM)
	if want, have := 0, in.wait(time.Minute); want != have {
		t.Fatalf("exit code: want %d, have %d", want, have)
	}
	modules := map[string]int{}
	var stopped []string
	for _, line := range strings.Split(strings.TrimSpace(in.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		module, _ := rec["@module"].(string)
		modules[module]++
		if rec["@message"] == "stopped" && rec["child"] != nil {
			stopped = append(stopped, rec["child"].(string)+" "+rec["status"].(string))
		}
		if rec["@message"] == "killed after grace" {
			t.Errorf("a child had to be killed: %v", rec)
		}
	}
	for _, m := range []string{"supervisor", "zookeeper", "kafka"} {
		if modules[m] == 0 {
			t.Errorf("no line from %q: %v", m, modules)
		}
	}
	// Both JVMs end on SIGTERM through their shutdown hooks: exit code 143.
	if want, have := "kafka exit code 143,zookeeper exit code 143", strings.Join(stopped, ","); want != have {
		t.Errorf("stops: want %q, have %q", want, have)
	}
}
