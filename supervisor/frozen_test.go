package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Frozen servers: a child stopped with SIGSTOP keeps its port, and the
// kernel even accepts connections for it; only the supervisor's checks
// after ready tell (see internal/watch).

// notAnsweringWithin is the longest a frozen server may take to show in
// /readyz with the default checks: 8 s by design (internal/config), and
// the limit that probes of periodSeconds 5 are given.
const notAnsweringWithin = 10 * time.Second

// hangTimeout is the tests' SUPERVISOR_HANG_TIMEOUT: past the 10 s in
// which a frozen server is not ready, so that the two show apart, and
// short of the default 30 s, so that a test of a hang waits less.
const hangTimeout = "15s"

// freeze stops the process group of the named child's latest start with
// SIGSTOP, and resumes it when the test ends if the test did not. It
// returns the resume, and when the freeze began.
func (in *instance) freeze(child string) (resume func(), at time.Time) {
	in.t.Helper()
	in.childPid(child) // waits for the first start
	pids := in.childPids(child)
	pgid := pids[len(pids)-1]
	if err := syscall.Kill(-pgid, syscall.SIGSTOP); err != nil {
		in.t.Fatalf("SIGSTOP %s: %v", child, err)
	}
	at = time.Now()
	resumed := false
	resume = func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(-pgid, syscall.SIGCONT)
		}
	}
	in.t.Cleanup(resume)
	return resume, at
}

// waitProbeMatch waits until path answers code with a body that re
// matches, and returns the body; it fails after d or at exit.
func (in *instance) waitProbeMatch(path string, code int, re string, d time.Duration) string {
	in.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		haveCode, haveBody := in.probe(path)
		if haveCode == code && rx.MatchString(haveBody) {
			return haveBody
		}
		select {
		case <-deadline:
			in.t.Fatalf("%s: want %d %q within %s, have %d %q", path, code, re, d, haveCode, haveBody)
		case <-in.done:
			in.t.Fatalf("supervisor exited (code %d) while waiting for %s", in.exitCode, path)
		case <-tick.C:
		}
	}
}

// notAnswering matches the body of path while child does not answer.
func notAnswering(path, child string) string {
	if path == "/livez" {
		return "^hung: " + child + " not answering for [0-9]+s: .+"
	}
	return "^not ready: " + child + " not answering for [0-9]+s: .+"
}

// TestFrozenServer freezes each server of role all in turn, under the
// default restart policy (never): /readyz is 503 naming it and its last
// error within 10 s, while /livez stays 200; SIGCONT brings 200 back. A
// second freeze, past the hang timeout, turns /livez 503 naming it, for
// the orchestrator to restart the container; SIGCONT brings both back.
// One line marks each change.
func TestFrozenServer(t *testing.T) {
	in := startSupervisor(t, "SUPERVISOR_HANG_TIMEOUT="+hangTimeout)
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	for _, child := range []string{"kafka", "zookeeper"} {
		resume, at := in.freeze(child)
		body := in.waitProbeMatch("/readyz", 503, notAnswering("/readyz", child), notAnsweringWithin)
		t.Logf("%s frozen: /readyz 503 after %s: %q", child, time.Since(at).Round(100*time.Millisecond), body)
		if code, body := in.probe("/livez"); code != 200 {
			t.Errorf("/livez: want 200 while %s is frozen within its hang timeout, have %d %q", child, code, body)
		}
		resume()
		in.waitProbe("/readyz", 200, "ready", time.Minute)
		in.waitCount(`answering again: server=`+child, 1, time.Minute)

		resume, at = in.freeze(child)
		body = in.waitProbeMatch("/livez", 503, notAnswering("/livez", child), time.Minute)
		t.Logf("%s frozen: /livez 503 after %s: %q", child, time.Since(at).Round(100*time.Millisecond), body)
		resume()
		in.waitProbe("/livez", 200, "ok", time.Minute)
		in.waitProbe("/readyz", 200, "ready", time.Minute)
		in.waitCount(`answering again: server=`+child, 2, time.Minute)
		logs := in.logs.String()
		if want, have := 2, strings.Count(logs, "not answering: server="+child); want != have {
			t.Errorf("not answering lines for %s: want %d (one for each freeze), have %d", child, want, have)
		}
		if want, have := 1, strings.Count(logs, "not answering past the hang timeout: not alive: child="+child); want != have {
			t.Errorf("hang lines for %s: want %d, have %d", child, want, have)
		}
	}
	in.stopCleanly()
}

// TestFrozenServerRestarted freezes each server of role all in turn past
// the hang timeout under SUPERVISOR_RESTART=on-failure: the supervisor
// kills it and starts it again, counting the restart, /livez stays 200,
// and the supervisor is ready again.
func TestFrozenServerRestarted(t *testing.T) {
	in := startSupervisor(t, "SUPERVISOR_RESTART=on-failure", "SUPERVISOR_HANG_TIMEOUT="+hangTimeout,
		"KAFKA_CREATE_TOPICS="+seedTopic+":1:1",
		// The killed broker's registration goes with its session.
		"KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS=6000")
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	for _, child := range []string{"kafka", "zookeeper"} {
		starts := len(in.childPids(child))
		_, at := in.freeze(child)
		in.waitProbeMatch("/readyz", 503, notAnswering("/readyz", child), notAnsweringWithin)
		in.waitLog(`not answering past the hang timeout: killing it: child=`+child, time.Minute)
		in.waitLog(`restarting: child=`+child+` status="signal killed" restart=1 limit=5`, time.Minute)
		in.waitCount(`started: child=`+child+` pid=`, starts+1, time.Minute)
		t.Logf("%s frozen: killed after %s", child,
			in.logTime(`not answering past the hang timeout: killing it: child=`+child).Sub(at).Round(100*time.Millisecond))
		if code, body := in.probe("/livez"); code != 200 {
			t.Errorf("/livez: want 200 while %s restarts, have %d %q", child, code, body)
		}
		in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	}
	client := saramaClient(t, in.kafkaAddr)
	if _, err := client.Leader(seedTopic, 0); err != nil {
		t.Errorf("after the restarts, partition 0 has no leader: %v", err)
	}
	client.Close()
	in.stopCleanly()
}

// TestFrozenBrokerVersions freezes the broker of each other version of
// the matrix than TestFrozenServer's: 0.8, which is asked metadata, and
// later ones, asked ApiVersions. /readyz is 503 naming it within 10 s,
// and 200 again once it resumes.
func TestFrozenBrokerVersions(t *testing.T) {
	for _, dist := range kafkaDists(t) {
		if dist == kafkaDist(t) {
			continue
		}
		t.Run(distVersion(t, dist).String(), func(t *testing.T) {
			// A session that outlives the freeze: 0.8's default of 6 s
			// expires during it, and a 0.8.2.1 broker stopped right after
			// it renewed an expired session hangs in its shutdown until
			// the grace ends. TestZooKeeperSessionLost covers expiry.
			in := startDist(t, dist, "KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS=30000")
			in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
			resume, at := in.freeze("kafka")
			body := in.waitProbeMatch("/readyz", 503, notAnswering("/readyz", "kafka"), notAnsweringWithin)
			t.Logf("/readyz 503 after %s: %q", time.Since(at).Round(100*time.Millisecond), body)
			resume()
			in.waitProbe("/readyz", 200, "ready", time.Minute)
			in.stopCleanly()
		})
	}
}

// TestZooKeeperSessionLost freezes ZooKeeper in role all past the broker's
// session timeout, then resumes it: /readyz is 503 naming ZooKeeper while
// it is frozen, and ready again after, with the broker registered and the
// topic led, with no step by hand. Whether ZooKeeper expires the broker's
// session on resume or lets the broker's reconnection renew it first is a
// race inside ZooKeeper; either way ends there.
func TestZooKeeperSessionLost(t *testing.T) {
	in := startSupervisor(t, "KAFKA_CREATE_TOPICS="+seedTopic+":1:1", "KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS=6000")
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	resume, _ := in.freeze("zookeeper")
	in.waitProbeMatch("/readyz", 503, notAnswering("/readyz", "zookeeper"), notAnsweringWithin)
	// Past the broker's 6 s session by the supervisor's own count.
	in.waitProbeMatch("/readyz", 503, "^not ready: zookeeper not answering for (1[0-9]|[2-9][0-9])s: ", time.Minute)
	resume()
	in.waitProbe("/readyz", 200, "ready", time.Minute)
	client := saramaClient(t, in.kafkaAddr)
	defer client.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		err := client.RefreshMetadata(seedTopic)
		if err == nil {
			_, err = client.Leader(seedTopic, 0)
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after ZooKeeper resumed, partition 0 has no leader: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // polls the leader until the deadline
	}
	if code, body := in.probe("/livez"); code != 200 {
		t.Errorf("/livez: want 200, have %d %q", code, body)
	}
	if expired := regexp.MustCompile(`kafka: .*(Session expired|has expired)`).MatchString(in.logs.String()); expired {
		t.Log("ZooKeeper expired the broker's session on resume")
	} else {
		t.Log("the broker renewed its session on resume")
	}
	in.stopCleanly()
}

// TestKRaftFrozen freezes a combined KRaft node, broker and controller in
// one process: /readyz is 503 naming it within 10 s, and 200 again once it
// resumes.
func TestKRaftFrozen(t *testing.T) {
	in := startKRaft(t, kraftDists(t)[0], "")
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	resume, at := in.freeze("kafka")
	body := in.waitProbeMatch("/readyz", 503, notAnswering("/readyz", "kafka"), notAnsweringWithin)
	t.Logf("/readyz 503 after %s: %q", time.Since(at).Round(100*time.Millisecond), body)
	resume()
	in.waitProbe("/readyz", 200, "ready", time.Minute)
	in.stopCleanly()
}

// TestFrozenRemoteZooKeeper freezes the ZooKeeper of a role kafka
// supervisor, which another supervisor (role zookeeper) runs, as in the
// sidecar pod: the broker's supervisor is not ready within 10 s, naming
// zookeeper, and past its hang timeout it only logs it, under
// on-failure too: /livez stays 200 and the broker is not restarted, since
// a new broker would not thaw its ZooKeeper. SIGCONT brings ready back.
func TestFrozenRemoteZooKeeper(t *testing.T) {
	zkPort := freePort(t)
	zk := startSupervisor(t, "SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_CLIENT_PORT="+strconv.Itoa(zkPort))
	kafka := startSupervisor(t, "SUPERVISOR_ROLE=kafka", "SUPERVISOR_RESTART=on-failure",
		"SUPERVISOR_HANG_TIMEOUT="+hangTimeout,
		"KAFKA_ZOOKEEPER_CONNECT=127.0.0.1:"+strconv.Itoa(zkPort))
	kafka.waitProbe("/readyz", 200, "ready", 2*time.Minute)

	resume, at := zk.freeze("zookeeper")
	body := kafka.waitProbeMatch("/readyz", 503, notAnswering("/readyz", "zookeeper"), notAnsweringWithin)
	t.Logf("remote zookeeper frozen: /readyz 503 after %s: %q", time.Since(at).Round(100*time.Millisecond), body)
	kafka.waitLog(`not answering past the hang timeout: not ours to restart: server=zookeeper`, time.Minute)
	if code, body := kafka.probe("/livez"); code != 200 {
		t.Errorf("/livez: want 200 with the remote zookeeper past the hang timeout, have %d %q", code, body)
	}
	resume()
	kafka.waitProbe("/readyz", 200, "ready", time.Minute)
	kafka.waitCount(`answering again: server=zookeeper`, 1, time.Minute)
	if n := strings.Count(kafka.logs.String(), "started: child=kafka"); n != 1 {
		t.Errorf("the broker was started %d times: want once, the remote ZooKeeper's freeze is not its fault", n)
	}
	kafka.stopCleanly()
	zk.stopCleanly()
}

// TestFrozenEnsembleMember freezes a member of an ensemble (of one, which
// the supervisor follows as it does any member, through srvr) past the
// hang timeout: under never /livez turns 503 naming zookeeper, and
// SIGCONT brings it back; under on-failure the member is killed and
// started again, and is ready again.
func TestFrozenEnsembleMember(t *testing.T) {
	for _, policy := range []string{"never", "on-failure"} {
		t.Run(policy, func(t *testing.T) {
			in := startSupervisor(t, "SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_MY_ID=1", "ZOOKEEPER_HEAP_OPTS=-Xmx128m -Xms128m",
				fmt.Sprintf("ZOOKEEPER_SERVERS=127.0.0.1:%d:%d", freePort(t), freePort(t)),
				"SUPERVISOR_RESTART="+policy, "SUPERVISOR_HANG_TIMEOUT="+hangTimeout)
			in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
			resume, at := in.freeze("zookeeper")
			in.waitProbeMatch("/readyz", 503, "^not ready: ", notAnsweringWithin)
			if policy == "never" {
				body := in.waitProbeMatch("/livez", 503, notAnswering("/livez", "zookeeper"), time.Minute)
				t.Logf("member frozen: /livez 503 after %s: %q", time.Since(at).Round(100*time.Millisecond), body)
				resume()
				in.waitProbe("/livez", 200, "ok", time.Minute)
			} else {
				in.waitLog(`not answering past the hang timeout: killing it: child=zookeeper`, time.Minute)
				in.waitCount(`started: child=zookeeper`, 2, time.Minute)
				if code, body := in.probe("/livez"); code != 200 {
					t.Errorf("/livez under on-failure: want 200, have %d %q", code, body)
				}
			}
			in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
			in.stopCleanly()
		})
	}
}
