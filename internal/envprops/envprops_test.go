package envprops

import (
	"reflect"
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	for _, tc := range []struct{ suffix, want string }{
		{"LOG_DIRS", "log.dirs"},
		{"BROKER_ID", "broker.id"},
		{"ZOOKEEPER_CONNECT", "zookeeper.connect"},
		{"LISTENER_NAME_INTERNAL_SSL_KEYSTORE__LOCATION", "listener.name.internal.ssl.keystore_location"},
		{"CONFLUENT___SUPPORT", "confluent-support"},
		{"A____B", "a-.b"},
		{"SERVER_1", "server.1"},
	} {
		if want, have := tc.want, Name(tc.suffix); want != have {
			t.Errorf("%s: want %q, have %q", tc.suffix, want, have)
		}
	}
}

func TestFromEnv(t *testing.T) {
	reserved := map[string]bool{"HOME": true, "CREATE_TOPICS": true}
	for _, tc := range []struct {
		name    string
		env     []string
		prefix  string
		known   []string
		want    []Property
		wantErr string
	}{
		{
			name:   "kafka convention",
			env:    []string{"KAFKA_LOG_RETENTION_HOURS=1", "KAFKA_BROKER_ID=2", "PATH=/bin", "KAFKA_HOME=/opt/kafka", "KAFKA_CREATE_TOPICS=a:1:1"},
			prefix: KafkaPrefix,
			want: []Property{
				{Var: "KAFKA_BROKER_ID", Key: "broker.id", Value: "2"},
				{Var: "KAFKA_LOG_RETENTION_HOURS", Key: "log.retention.hours", Value: "1"},
			},
		},
		{
			name:   "zookeeper camel case",
			env:    []string{"ZOOKEEPER_DATA_DIR=/d", "ZOOKEEPER_AUTOPURGE_SNAP_RETAIN_COUNT=3", "ZOOKEEPER_SERVER_1=zk-0:2888:3888", "ZOOKEEPER_MY_SETTING=x"},
			prefix: ZooKeeperPrefix,
			known:  ZooKeeperKeys,
			want: []Property{
				{Var: "ZOOKEEPER_AUTOPURGE_SNAP_RETAIN_COUNT", Key: "autopurge.snapRetainCount", Value: "3"},
				{Var: "ZOOKEEPER_DATA_DIR", Key: "dataDir", Value: "/d"},
				{Var: "ZOOKEEPER_MY_SETTING", Key: "my.setting", Value: "x"},
				{Var: "ZOOKEEPER_SERVER_1", Key: "server.1", Value: "zk-0:2888:3888"},
			},
		},
		{
			name: "kubernetes service links",
			env: []string{"KAFKA_PORT=tcp://10.0.0.7:9092", "KAFKA_SERVICE_HOST=10.0.0.7", "KAFKA_SERVICE_PORT=9092",
				"KAFKA_PORT_9092_TCP=tcp://10.0.0.7:9092", "KAFKA_PORT_9092_TCP_ADDR=10.0.0.7", "KAFKA_SERVICE_PORT_CLIENT=9092",
				"KAFKA_NUM_PARTITIONS=3"},
			prefix: KafkaPrefix,
			want:   []Property{{Var: "KAFKA_NUM_PARTITIONS", Key: "num.partitions", Value: "3"}},
		},
		{
			name: "links of a hyphenated service",
			env: []string{"KAFKA_HEADLESS_SERVICE_HOST=10.0.0.8", "KAFKA_HEADLESS_PORT=tcp://10.0.0.8:9092",
				"KAFKA_HEADLESS_PORT_9092_TCP_PROTO=tcp", "KAFKA_HEADLESS_SERVICE_PORT_BROKER=9092"},
			prefix: KafkaPrefix,
		},
		{
			name:    "newline injection",
			env:     []string{"KAFKA_LOG_DIRS=/data\nbroker.id=7"},
			prefix:  KafkaPrefix,
			wantErr: "KAFKA_LOG_DIRS: value holds a newline",
		},
		{
			name:    "nul injection",
			env:     []string{"ZOOKEEPER_TICK_TIME=2000\x00"},
			prefix:  ZooKeeperPrefix,
			wantErr: "ZOOKEEPER_TICK_TIME: value holds a newline or NUL",
		},
		{
			name:   "empty value is kept",
			env:    []string{"KAFKA_ADVERTISED_LISTENERS="},
			prefix: KafkaPrefix,
			want:   []Property{{Var: "KAFKA_ADVERTISED_LISTENERS", Key: "advertised.listeners", Value: ""}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			have, err := FromEnv(tc.env, tc.prefix, reserved, tc.known)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error containing %q, have %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.want; !reflect.DeepEqual(want, have) {
				t.Errorf("want %+v, have %+v", want, have)
			}
		})
	}
}

func TestIsServiceLink(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        bool
	}{
		{"KAFKA_PORT", "tcp://10.0.0.7:9092", true},
		{"KAFKA_PORT", "9092", false},
		{"ZOOKEEPER_CLIENT_PORT", "tcp://10.0.0.9:2181", true},
		{"ZOOKEEPER_CLIENT_PORT", "2181", false},
		{"KAFKA_SERVICE_HOST", "10.0.0.7", true},
		{"KAFKA_SERVICE_PORT_PLAINTEXT", "9092", true},
		{"MY_KAFKA_2_PORT_9092_TCP_ADDR", "10.0.0.7", true},
		{"KAFKA_PORT_9092_TCP_PORT", "9092", true},
		{"KAFKA_ADVERTISED_PORT", "19092", false},
		{"KAFKA_LOG_DIRS", "tcp://x", false},
	} {
		if want, have := tc.want, IsServiceLink(tc.name, tc.value); want != have {
			t.Errorf("%s=%s: want %v, have %v", tc.name, tc.value, want, have)
		}
	}
}
