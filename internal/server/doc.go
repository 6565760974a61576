// Package server runs ZooKeeper and Kafka as supervised children: each
// starts, is waited for until it really serves, and stops on request,
// blocking until it is reaped. Servers runs both and owns the one order
// they stop in: Kafka, then ZooKeeper.
//
// Once ready, each server is checked until it ends (internal/watch): the
// broker with ApiVersions on a connection of the supervisor's, a
// standalone ZooKeeper through the session the supervisor waited for it
// with (an ensemble member keeps being asked its mode with srvr, every
// 5 s while it serves, since ZooKeeper logs each). One that does not
// answer makes /readyz 503; one that does not answer for the hang timeout
// is killed and started again under on-failure, and fails /livez under
// never. In role kafka the ZooKeeper another supervisor runs is watched
// too, through the session the broker's start waited with: while it does
// not answer /readyz is 503 naming it, but its hang is only logged, since
// a new broker would not thaw it. A child that exits on its own logs its
// last ERROR lines (proc.Child.Errors), which a shutdown's chatter would
// push out of its tail.
//
// # Start phases
//
// Each is bounded by the start timeout and ends with a log line
// "ready: phase=… took=…":
//   - zookeeper: ZooKeeper answers srvr that it serves (through a session
//     where its whitelist refuses srvr), so the supervisor's client never
//     makes it log a refused session;
//   - format (KRaft): the storage tool formats the log directories that
//     have no meta.properties, once;
//   - kafka: the broker's registration exists (/brokers/ids/<id>, or
//     registered and unfenced in KRaft) and it lists itself in a
//     metadata answer; a controller apart waits for its quorum's leader;
//   - topics: the topics are reconciled and every partition has a leader;
//   - all: /readyz answers 200.
//
// # Restarts
//
// Under the policy on-failure, a child that exits on its own, whether
// before or after it was ready, is started again after the backoff,
// doubled for each restart in a row up to a minute; past the limit the
// supervisor gives up ("restart limit reached") with the child's status.
// A child that stays up 5 minutes from its start (its waits for ZooKeeper
// included) starts the count over. The other child keeps running: Kafka
// reconnects to a restarted ZooKeeper within its session. Meanwhile the
// child is marked down, so /readyz names it; under never too, while the
// other server is stopped. A start phase that times out
// still stops the supervisor.
//
// # Durability
//
// A stop ends with Kafka's controlled shutdown completed ("Controlled
// shutdown request returned successfully" on 3.x, "Controlled shutdown
// succeeded" on 0.8.2 and 2.8) before ZooKeeper is stopped, and the broker
// writes its clean shutdown file: the next start loads its logs without
// recovery. TestDurabilityAfterStop shows it with 100 000 acks=all messages
// over 3 partitions, read back in order after a new start on the same data
// and with none of the lines Kafka 3.9 prints when it recovers a log.
// TestDurabilityAfterKill SIGKILLs the supervisor as PID 1, which takes the
// whole namespace down: the broker then recovers its logs and every
// acknowledged message survives. A SIGKILL leaves what the broker wrote in
// the page cache; a power loss could lose acknowledged messages not yet
// flushed, as Kafka leaves flushing to the OS and counts on replication.
package server
