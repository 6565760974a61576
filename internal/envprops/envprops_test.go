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
		name        string
		env         []string
		prefix      string
		known       []string
		want        []Property
		wantIgnored []Ignored
		wantErr     string
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
			wantIgnored: []Ignored{
				{"KAFKA_PORT", "Kubernetes service link"}, {"KAFKA_SERVICE_HOST", "Kubernetes service link"},
				{"KAFKA_SERVICE_PORT", "Kubernetes service link"}, {"KAFKA_PORT_9092_TCP", "Kubernetes service link"},
				{"KAFKA_PORT_9092_TCP_ADDR", "Kubernetes service link"}, {"KAFKA_SERVICE_PORT_CLIENT", "Kubernetes service link"},
			},
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
			have, ignored, err := FromEnv(tc.env, tc.prefix, reserved, tc.known)
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
			if want, have := tc.wantIgnored, ignored; !reflect.DeepEqual(want, have) {
				t.Errorf("ignored: want %+v, have %+v", want, have)
			}
		})
	}
}
