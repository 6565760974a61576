// The end-to-end suite runs the supervisor binary as a subprocess against
// the real ZooKeeper and Kafka of scripts/kafka-dist.sh (TEST_KAFKA_DIST,
// and TEST_KAFKA_DISTS for the matrix of versions). Without a distribution
// or without root it skips locally and fails when CI=true.
//
// On every matrix version: the seed's scenario with that version's own
// console tools (0.8's consumer reads through --zookeeper, as the seed
// did), and the topics scenario, four starts on the same data with both
// spec forms (created; the same spec does nothing; a partition increase
// and a config change applied while an override no longer in the spec
// stays; a decrease refused). On 3.9.1 the rest: many topics over several
// CreateTopics requests, ZooKeeper killed under a running broker or
// failing to start, the two sidecar roles, probe as a HEALTHCHECK runs it,
// and a table of bad environments.
//
// The PID 1 tests (pid1_test.go, durability_test.go) run the supervisor as
// PID 1 of a new PID namespace (unshare --pid --fork --mount-proc) and look
// inside it with nsenter … ps: SIGTERM in every phase of the start, twice
// each (exit 0, nothing left); 1000 double-forked orphans all reaped with
// no zombie; SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH forwarded, SIGTERM,
// SIGINT and SIGQUIT each stopping, a second one killing a child that
// ignores the first; every exit code 0–255 and every fatal signal as
// 128+signal; a child SIGKILLed under each restart policy; durability after
// a stop and after a SIGKILL of the namespace.
//
// The fault tests (faults_test.go) put a server's directory on a tmpfs in
// a mount namespace of the test's, or bind it read-only in the
// supervisor's: a broker whose log directory fills up, on either restart
// policy, with every acknowledged message read back once space is freed,
// and a ZooKeeper whose data directory turns read-only.
//
// TestCluster runs three "pods" as the StatefulSets would: each a network
// namespace with its own address on a bridge of the test's own (a free
// 10.233.x.0/24, names with the test's pid, all removed at the end), each
// running a ZooKeeper-role and a Kafka-role supervisor as PID 1 of its own
// PID namespace with the same ports in every pod and ids from the ordinal.
// It shows the ensemble forming, three brokers registered at their pods'
// addresses, a topic with 3 replicas and min.insync.replicas=2 created by
// one of them, a leader's pod stopped with a new leader in sync, acks=all
// refused with one replica in sync, and "waiting for quorum" once a second
// ZooKeeper stops.
package main
