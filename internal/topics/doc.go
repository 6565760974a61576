// Package topics parses the topics a user asks for and reconciles the
// cluster with them: through the Kafka protocol, or for brokers before
// 0.10.1, which have no topic API, through ZooKeeper as those versions' own
// tools do.
//
// # Reconciling
//
// MakePlan compares the specs with what the cluster describes and Reconcile
// carries the plan out: missing topics are created together, partitions
// are raised, config values set key by key (a key the spec no longer lists
// is left alone), and a partition decrease or a replication-factor change
// is logged as refused and left as it is. How each broker version is
// reached:
//
//	broker        create                         add partitions            set configs
//	0.8–0.10.0    ZooKeeper: /config/topics/<t>, ZooKeeper: assignment      ZooKeeper: overrides merged,
//	              then /brokers/topics/<t>       extended, version-checked then /config/changes
//	0.10.1 on     CreateTopics                   CreatePartitions (1.0)    IncrementalAlterConfigs (2.3;
//	                                                                       before, a warning only)
//
// Through ZooKeeper the replicas are spread over the live brokers of
// /brokers/ids as Kafka's own assignment does (without 0.10.0's racks).
// The znodes are those of the versions' AdminUtils, read from the bytecode
// of kafka_2.10-0.8.2.1.jar, kafka_2.11-0.9.0.1.jar and
// kafka_2.11-0.10.0.1.jar (javap -c): all three write the config znode
// {"version":1,"config":{…}} first, then the assignment
// {"version":1,"partitions":{"0":[…],…}}. They differ in the config change
// notification, a config_change_ sequential node under /config/changes:
// 0.8.2.1 writes the topic name as a JSON string, while 0.9.0.1 and
// 0.10.0.1 (changeEntityConfig, getConfigChangeZnodeData) write
// {"version":1,"entity_type":"topics","entity_name":<t>}, and their
// DynamicConfigManager takes nothing else.
//
// A topic with more replicas than live brokers (role kafka, while the
// other brokers join) is asked for again with a backoff. A broker that
// restarts lists itself before its topics: Create reports topics that
// already exist, and the reconciler then describes the cluster again.
//
// # Where the time goes
//
// A broker in ZooKeeper mode handles the topics of one CreateTopics request
// one after the other, each with its own ZooKeeper writes: 100 topics in
// one request took 1.48 s (median of 7 on a 2-core machine), and such a
// request answered 1.1–1.3 s after it was sent even with no wait at all.
// The reconciler therefore sends up to 8 requests side by side (Kafka's
// num.io.threads is 8), each on its own connection with at least 8 topics,
// which brings 100 topics under 1 s; 16 were no faster than 8. Its own
// share beyond the broker's work is a few tens of milliseconds. On tmpfs
// the same run took 1.10 s against 1.30 s on disk: the work is mostly CPU.
// A one-topic-per-JVM tool pays about 0.6 s of launch per topic against
// about 9 ms of broker work, hence the ratios of BenchmarkTopicCreation in
// the README.
package topics
