// Package broker tells when a Kafka broker is really ready: registered in
// ZooKeeper and answering metadata requests.
//
// The registration /brokers/ids/<id> is watched through one ZooKeeper node
// watch; its version 1 format (Kafka 0.8: host and port) and the later
// ones (endpoints) are both read. Before 0.10 a metadata answer lists no
// broker until a topic exists, so there any answer counts, and sarama must
// not send ApiVersions, on which 0.8 closes the connection.
//
// A broker killed without a stop stays registered until its ZooKeeper
// session expires (zookeeper.session.timeout.ms, 18 s by default), even
// across a restart of a ZooKeeper that keeps its data, and a broker started
// before then exits at once with NodeExists. WaitUnregistered therefore
// holds the start until no registration of the id is left ("waiting for an
// earlier registration of this broker id to expire").
package broker
