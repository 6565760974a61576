package config

import (
	"testing"
)

// TestNames: a typo in a variable's name, or a value its property's type
// refuses, is one line naming the variable; the nearest known variable
// is suggested.
func TestNames(t *testing.T) {
	const modern, legacy = "KAFKA_HOME=testdata/dist-3.9.1", "KAFKA_HOME=testdata/dist-0.8.2.1"
	for _, tc := range []struct {
		name string
		env  []string
		want string // the whole error, or "" for none
	}{
		{"broker typo", []string{modern, "KAFKA_ZOOKEPER_CONNECT=zk:2181"},
			`KAFKA_ZOOKEPER_CONNECT: no broker property "zookeper.connect" in Kafka 3.9.1; did you mean KAFKA_ZOOKEEPER_CONNECT?`},
		{"reserved variable suggested", []string{modern, "KAFKA_BROKERID=1"},
			`KAFKA_BROKERID: no broker property "brokerid" in Kafka 3.9.1; did you mean KAFKA_BROKER_ID?`},
		{"launch variable suggested", []string{modern, "KAFKA_HEAP_OPT=-Xmx1G"},
			`KAFKA_HEAP_OPT: no broker property "heap.opt" in Kafka 3.9.1; did you mean KAFKA_HEAP_OPTS?`},
		{"no near name", []string{modern, "KAFKA_MY_PLUGIN_KEY=1"},
			`KAFKA_MY_PLUGIN_KEY: no broker property "my.plugin.key" in Kafka 3.9.1; want a property of Kafka 3.9.1, or its name in SUPERVISOR_EXTRA_PROPERTIES`},
		{"plugin named", []string{modern, "KAFKA_MY_PLUGIN_KEY=1", "SUPERVISOR_EXTRA_PROPERTIES=other.key,my.plugin.key"}, ""},
		{"plugin prefix", []string{modern, "KAFKA_MY_PLUGIN_KEY=1", "SUPERVISOR_EXTRA_PROPERTIES=my.plugin.*"}, ""},
		{"prefix of another", []string{modern, "KAFKA_MY_PLUGIN_KEY=1", "SUPERVISOR_EXTRA_PROPERTIES=my.plugins.*"},
			`KAFKA_MY_PLUGIN_KEY: no broker property "my.plugin.key" in Kafka 3.9.1; want a property of Kafka 3.9.1, or its name in SUPERVISOR_EXTRA_PROPERTIES`},
		{"bad extra list", []string{modern, "SUPERVISOR_EXTRA_PROPERTIES=a,,b"},
			`SUPERVISOR_EXTRA_PROPERTIES: "" is not a property name; want property names or prefixes ending in *, separated by commas`},
		{"listener family", []string{modern, "KAFKA_LISTENER_NAME_INTERNAL_SSL_KEYSTORE_LOCATION=/k"}, ""},
		{"authorizer", []string{modern, "KAFKA_AUTHORIZER_CLASS_NAME=org.apache.kafka.metadata.authorizer.StandardAuthorizer", "KAFKA_SUPER_USERS=User:admin"}, ""},
		{"empty int", []string{modern, "KAFKA_LOG_RETENTION_HOURS="},
			`KAFKA_LOG_RETENTION_HOURS: "" is not a whole number; broker property log.retention.hours is an int`},
		{"bad boolean", []string{modern, "KAFKA_AUTO_CREATE_TOPICS_ENABLE=yes"},
			`KAFKA_AUTO_CREATE_TOPICS_ENABLE: "yes" is not true or false; broker property auto.create.topics.enable is a boolean`},
		{"outside the enumeration", []string{modern, "KAFKA_COMPRESSION_TYPE=gzipp"},
			`KAFKA_COMPRESSION_TYPE: "gzipp" is not allowed; broker property compression.type is one of uncompressed, zstd, lz4, snappy, gzip, producer`},
		{"unchecked when named", []string{modern, "KAFKA_COMPRESSION_TYPE=gzipp", "SUPERVISOR_EXTRA_PROPERTIES=compression.type"}, ""},
		{"empty listeners is unset", []string{modern, "KAFKA_LISTENERS="}, ""},
		{"empty log dirs is unset", []string{modern, "KAFKA_LOG_DIRS="}, ""},
		{"translated variables", []string{modern, "KAFKA_BROKER_ID=3", "KAFKA_PORT=9093", "KAFKA_HOST_NAME=0.0.0.0", "KAFKA_ADVERTISED_HOST_NAME=kafka-0", "KAFKA_ADVERTISED_PORT=9094"}, ""},
		{"service link", []string{modern, "KAFKA_PORT=tcp://10.0.0.9:9092", "KAFKA_SERVICE_HOST=10.0.0.9", "SUPERVISOR_SERVICE_HOST=10.0.0.8"}, ""},
		{"listeners on 0.8", []string{legacy, "KAFKA_LISTENERS=PLAINTEXT://:9092"},
			`KAFKA_LISTENERS: no broker property "listeners" in Kafka 0.8.2.1; want a property of Kafka 0.8.2.1, or its name in SUPERVISOR_EXTRA_PROPERTIES`},
		{"0.8 boolean in capitals", []string{legacy, "KAFKA_DELETE_TOPIC_ENABLE=TRUE"},
			`KAFKA_DELETE_TOPIC_ENABLE: "TRUE" is not allowed; broker property delete.topic.enable is one of true, false`},
		{"0.8 conditional name", []string{legacy, "KAFKA_LOG_RETENTION_MINUTES=30"}, ""},
		{"zookeeper typo", []string{modern, "ZOOKEEPER_TICK_TIEM=2000"},
			`ZOOKEEPER_TICK_TIEM: no ZooKeeper property "tick.tiem" in ZooKeeper 3.8.4; did you mean ZOOKEEPER_TICK_TIME?`},
		{"zookeeper camel case", []string{modern, "ZOOKEEPER_TICK_TIME=3000", "ZOOKEEPER_SNAP_COUNT=1000", "ZOOKEEPER_4LW_COMMANDS_WHITELIST=srvr,ruok", "ZOOKEEPER_ADMIN_ENABLE_SERVER=false"}, ""},
		{"zookeeper int", []string{modern, "ZOOKEEPER_TICK_TIME=2s"},
			`ZOOKEEPER_TICK_TIME: "2s" is not a whole number; ZooKeeper property tickTime is an int`},
		{"zookeeper of 0.8", []string{legacy, "ZOOKEEPER_ADMIN_ENABLE_SERVER=false"},
			`ZOOKEEPER_ADMIN_ENABLE_SERVER: no ZooKeeper property "admin.enableServer" in ZooKeeper 3.4.6; want a property of ZooKeeper 3.4.6, or its name in SUPERVISOR_EXTRA_PROPERTIES`},
		{"zookeeper only", []string{modern, "SUPERVISOR_ROLE=zookeeper", "KAFKA_ZOOKEPER_CONNECT=zk:2181"}, ""},
		{"supervisor typo", []string{modern, "SUPERVISOR_RESTRAT=on-failure"},
			`SUPERVISOR_RESTRAT: no such variable; did you mean SUPERVISOR_RESTART?`},
		{"supervisor far", []string{modern, "SUPERVISOR_COLOUR=blue"},
			`SUPERVISOR_COLOUR: no such variable; want one of ` + "SUPERVISOR_ROLE, SUPERVISOR_MODE, SUPERVISOR_CONFIG_DIR, SUPERVISOR_DATA_DIR, SUPERVISOR_RUN_DIR, SUPERVISOR_HTTP_ADDR, SUPERVISOR_STOP_TIMEOUT, SUPERVISOR_START_TIMEOUT, SUPERVISOR_LOG_FORMAT, SUPERVISOR_LOG_LEVEL, SUPERVISOR_SERVER_LOG_LEVEL, SUPERVISOR_RESTART, SUPERVISOR_RESTART_LIMIT, SUPERVISOR_RESTART_BACKOFF, SUPERVISOR_CHECK_PERIOD, SUPERVISOR_CHECK_FAILURES, SUPERVISOR_HANG_TIMEOUT, SUPERVISOR_EXTRA_PROPERTIES"},
		{"supervisor known", []string{modern, "SUPERVISOR_RUN_DIR=/run/kafka", "SUPERVISOR_SERVER_LOG_LEVEL=warn"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.env)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("want no error, have %q", err)
			case tc.want != "" && err == nil:
				t.Errorf("want %q, have no error", tc.want)
			case tc.want != "" && tc.want != err.Error():
				t.Errorf("want  %q\nhave %q", tc.want, err)
			}
		})
	}
}

func TestEnvVar(t *testing.T) {
	for name, want := range map[string]string{
		"zookeeper.connect":           "ZOOKEEPER_CONNECT",
		"tickTime":                    "TICK_TIME",
		"4lw.commands.whitelist":      "4LW_COMMANDS_WHITELIST",
		"jvm.pause.info-threshold.ms": "JVM_PAUSE_INFO___THRESHOLD_MS",
		"security.auth_to_local":      "SECURITY_AUTH__TO__LOCAL",
	} {
		if have := envVar(name); want != have {
			t.Errorf("%s: want %s, have %s", name, want, have)
		}
	}
}

// TestBaseValues: a value in the base file that the broker would refuse,
// such as the empty log.retention.hours= an older release could leave in
// a configuration directory it rewrote in place, is named with its file
// before anything starts; a variable that sets the property replaces it.
func TestBaseValues(t *testing.T) {
	base := []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_CONFIG_DIR=testdata/sticky-empty"}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"empty int in the base", base,
			`testdata/sticky-empty/server.properties: log.retention.hours: "" is not a whole number; broker property log.retention.hours is an int; want a value the server takes, the line removed, or the variable that sets it`},
		{"replaced by a variable", append(base, "KAFKA_LOG_RETENTION_HOURS=24"), ""},
		{"let through", append(base, "SUPERVISOR_EXTRA_PROPERTIES=log.retention.hours"), ""},
		{"stock base", []string{"KAFKA_HOME=testdata/dist-3.9.1"}, ""},
		{"stock 0.8 base", []string{"KAFKA_HOME=testdata/dist-0.8.2.1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(append(tc.env, "SUPERVISOR_DATA_DIR="+t.TempDir()))
			have := ""
			if err != nil {
				have = err.Error()
			}
			if want := tc.want; want != have {
				t.Errorf("want %q, have %q", want, have)
			}
		})
	}
}
