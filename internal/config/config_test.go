package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

func TestLoad(t *testing.T) {
	const modern, legacy = "KAFKA_HOME=testdata/dist-3.9.1", "KAFKA_HOME=testdata/dist-0.8.2.1"
	for _, tc := range []struct {
		name      string
		env       []string
		wantKafka []props.KV
		wantZK    []props.KV
		check     func(t *testing.T, c *Config)
	}{
		{
			name: "defaults on 3.9.1",
			env:  []string{modern},
			wantKafka: []props.KV{
				{Key: "broker.id", Value: "0"},
				{Key: "zookeeper.connect", Value: "localhost:2181"},
				{Key: "log.dirs", Value: "/var/lib/kafka/kafka"},
				{Key: "listeners", Value: "PLAINTEXT://0.0.0.0:9092"},
				{Key: "advertised.listeners", Value: "PLAINTEXT://localhost:9092"},
				{Key: "controlled.shutdown.retry.backoff.ms", Value: "1000"},
			},
			wantZK: []props.KV{{Key: "dataDir", Value: "/var/lib/kafka/zookeeper"}, {Key: "clientPort", Value: "2181"}},
			check: func(t *testing.T, c *Config) {
				if want, have := "127.0.0.1:9092", c.Bootstrap; want != have {
					t.Errorf("bootstrap: want %q, have %q", want, have)
				}
				if want, have := "3.9.1", c.Version; want != have {
					t.Errorf("version: want %q, have %q", want, have)
				}
				if want, have := 12*time.Second, c.StopTimeout; want != have {
					t.Errorf("stop timeout: want %s, have %s", want, have)
				}
				if want, have := ":8080", c.HTTPAddr; want != have {
					t.Errorf("http: want %q, have %q", want, have)
				}
			},
		},
		{
			name: "0.8.2.1 uses host.name and port",
			env:  []string{legacy, "KAFKA_ADVERTISED_HOST_NAME=10.0.0.5", "KAFKA_PORT=9093"},
			wantKafka: []props.KV{
				{Key: "broker.id", Value: "0"},
				{Key: "zookeeper.connect", Value: "localhost:2181"},
				{Key: "log.dirs", Value: "/var/lib/kafka/kafka"},
				{Key: "host.name", Value: "0.0.0.0"},
				{Key: "port", Value: "9093"},
				{Key: "advertised.host.name", Value: "10.0.0.5"},
				{Key: "advertised.port", Value: "9093"},
				{Key: "controlled.shutdown.retry.backoff.ms", Value: "1000"},
			},
			wantZK: []props.KV{{Key: "dataDir", Value: "/var/lib/kafka/zookeeper"}, {Key: "clientPort", Value: "2181"}},
		},
		{
			name: "explicit listeners win and give the bootstrap",
			env: []string{modern, "SUPERVISOR_ROLE=kafka", "KAFKA_LISTENERS=PLAINTEXT://10.1.1.1:19092",
				"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka-0.kafka:19092", "KAFKA_ZOOKEEPER_CONNECT=zk-0:2181,zk-1:2181/kafka",
				"KAFKA_BROKER_ID=4", "KAFKA_LOG_DIRS=/a,/b", "KAFKA_AUTO_CREATE_TOPICS_ENABLE=false"},
			wantKafka: []props.KV{
				{Key: "broker.id", Value: "4"},
				{Key: "zookeeper.connect", Value: "zk-0:2181,zk-1:2181/kafka"},
				{Key: "log.dirs", Value: "/a,/b"},
				{Key: "listeners", Value: "PLAINTEXT://10.1.1.1:19092"},
				{Key: "advertised.listeners", Value: "PLAINTEXT://kafka-0.kafka:19092"},
				{Key: "controlled.shutdown.retry.backoff.ms", Value: "1000"},
				{Key: "auto.create.topics.enable", Value: "false"},
			},
			check: func(t *testing.T, c *Config) {
				if want, have := "10.1.1.1:19092", c.Bootstrap; want != have {
					t.Errorf("bootstrap: want %q, have %q", want, have)
				}
				if want, have := []string{"zk-0:2181", "zk-1:2181"}, c.ZooKeeper; !reflect.DeepEqual(want, have) {
					t.Errorf("zookeeper: want %q, have %q", want, have)
				}
				if want, have := "/kafka", c.ZooKeeperChroot; want != have {
					t.Errorf("chroot: want %q, have %q", want, have)
				}
				if want, have := []string{"/a", "/b"}, c.KafkaDataDirs; !reflect.DeepEqual(want, have) {
					t.Errorf("data dirs: want %q, have %q", want, have)
				}
			},
		},
		{
			name: "empty variables leave the defaults, service links are dropped",
			env: []string{modern, "KAFKA_BROKER_ID=", "KAFKA_LISTENERS=", "KAFKA_ZOOKEEPER_CONNECT=",
				"KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=", "ZOOKEEPER_CLIENT_PORT=tcp://10.0.0.9:2181",
				"KAFKA_HEADLESS_SERVICE_HOST=10.0.0.8", "KAFKA_HEADLESS_PORT_9092_TCP_ADDR=10.0.0.8", "KAFKA_PORT=tcp://10.0.0.7:9092"},
			wantKafka: []props.KV{
				{Key: "broker.id", Value: "0"},
				{Key: "zookeeper.connect", Value: "localhost:2181"},
				{Key: "log.dirs", Value: "/var/lib/kafka/kafka"},
				{Key: "listeners", Value: "PLAINTEXT://0.0.0.0:9092"},
				{Key: "advertised.listeners", Value: "PLAINTEXT://localhost:9092"},
				{Key: "controlled.shutdown.retry.backoff.ms", Value: "1000"},
				{Key: "ssl.endpoint.identification.algorithm", Value: ""},
			},
			wantZK: []props.KV{{Key: "dataDir", Value: "/var/lib/kafka/zookeeper"}, {Key: "clientPort", Value: "2181"}},
			check: func(t *testing.T, c *Config) {
				want := []string{"ZOOKEEPER_CLIENT_PORT", "KAFKA_HEADLESS_SERVICE_HOST", "KAFKA_HEADLESS_PORT_9092_TCP_ADDR", "KAFKA_PORT"}
				if have := c.Ignored; !reflect.DeepEqual(want, have) {
					t.Errorf("ignored: want %q, have %q", want, have)
				}
			},
		},
		{
			name: "the supervisor checks on the first plaintext listener",
			env: []string{modern, "SUPERVISOR_ROLE=kafka", "KAFKA_LISTENERS=EXTERNAL://:19093,SSL://:9093,INTERNAL://:29092",
				"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=EXTERNAL:SASL_SSL,SSL:SSL,INTERNAL:PLAINTEXT", "KAFKA_LOG_DIR=/srv/kafka", "KAFKA_HOST_NAME=::",
				"KAFKA_ZOOKEEPER_CONNECT=zk-0.zk,zk-1.zk:2182"},
			check: func(t *testing.T, c *Config) {
				if want, have := "127.0.0.1:29092", c.Bootstrap; want != have {
					t.Errorf("bootstrap: want %q, have %q", want, have)
				}
				if want, have := []string{"/srv/kafka"}, c.KafkaDataDirs; !reflect.DeepEqual(want, have) {
					t.Errorf("data dirs: want %q, have %q", want, have)
				}
				if want, have := []string{"zk-0.zk:2181", "zk-1.zk:2182"}, c.ZooKeeper; !reflect.DeepEqual(want, have) {
					t.Errorf("zookeeper: want %q, have %q", want, have)
				}
			},
			wantKafka: []props.KV{
				{Key: "broker.id", Value: "0"},
				{Key: "zookeeper.connect", Value: "zk-0.zk,zk-1.zk:2182"},
				{Key: "log.dirs", Value: "/srv/kafka"},
				{Key: "listeners", Value: "EXTERNAL://:19093,SSL://:9093,INTERNAL://:29092"},
				{Key: "advertised.listeners", Value: "EXTERNAL://:19093,SSL://:9093,INTERNAL://:29092"},
				{Key: "controlled.shutdown.retry.backoff.ms", Value: "1000"},
				{Key: "listener.security.protocol.map", Value: "EXTERNAL:SASL_SSL,SSL:SSL,INTERNAL:PLAINTEXT"},
				{Key: "log.dir", Value: "/srv/kafka"},
			},
		},
		{
			name: "a variable replaces the controlled shutdown's backoff in place",
			env:  []string{modern, "SUPERVISOR_ROLE=kafka", "KAFKA_CONTROLLED_SHUTDOWN_RETRY_BACKOFF_MS=5000"},
			wantKafka: []props.KV{
				{Key: "broker.id", Value: "0"},
				{Key: "zookeeper.connect", Value: "localhost:2181"},
				{Key: "log.dirs", Value: "/var/lib/kafka/kafka"},
				{Key: "listeners", Value: "PLAINTEXT://0.0.0.0:9092"},
				{Key: "advertised.listeners", Value: "PLAINTEXT://localhost:9092"},
				{Key: "controlled.shutdown.retry.backoff.ms", Value: "5000"},
			},
		},
		{
			name: "a base with the controlled shutdown's backoff keeps it",
			env:  []string{modern, "SUPERVISOR_ROLE=kafka", "SUPERVISOR_CONFIG_DIR=testdata/backoff-base"},
			wantKafka: []props.KV{
				{Key: "broker.id", Value: "0"},
				{Key: "zookeeper.connect", Value: "localhost:2181"},
				{Key: "log.dirs", Value: "/var/lib/kafka/kafka"},
				{Key: "listeners", Value: "PLAINTEXT://0.0.0.0:9092"},
				{Key: "advertised.listeners", Value: "PLAINTEXT://localhost:9092"},
			},
		},
		{
			name:   "zookeeper role with camel case properties",
			env:    []string{modern, "SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_CLIENT_PORT=2182", "ZOOKEEPER_TICK_TIME=500", "ZOOKEEPER_ADMIN_ENABLE_SERVER=true"},
			wantZK: []props.KV{{Key: "dataDir", Value: "/var/lib/kafka/zookeeper"}, {Key: "clientPort", Value: "2182"}, {Key: "admin.enableServer", Value: "true"}, {Key: "tickTime", Value: "500"}},
		},
		{
			name: "role all points kafka at the local zookeeper port",
			env:  []string{modern, "ZOOKEEPER_CLIENT_PORT=2999", "SUPERVISOR_DATA_DIR=/data", "SUPERVISOR_STOP_TIMEOUT=20"},
			wantKafka: []props.KV{
				{Key: "broker.id", Value: "0"},
				{Key: "zookeeper.connect", Value: "localhost:2999"},
				{Key: "log.dirs", Value: "/data/kafka"},
				{Key: "listeners", Value: "PLAINTEXT://0.0.0.0:9092"},
				{Key: "advertised.listeners", Value: "PLAINTEXT://localhost:9092"},
				{Key: "controlled.shutdown.retry.backoff.ms", Value: "1000"},
			},
			wantZK: []props.KV{{Key: "dataDir", Value: "/data/zookeeper"}, {Key: "clientPort", Value: "2999"}},
			check: func(t *testing.T, c *Config) {
				if want, have := 20*time.Second, c.StopTimeout; want != have {
					t.Errorf("stop timeout: want %s, have %s", want, have)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.wantKafka, c.KafkaProps; !reflect.DeepEqual(want, have) {
				t.Errorf("kafka properties:\nwant %v\nhave %v", want, have)
			}
			if want, have := tc.wantZK, c.ZooKeeperProps; !reflect.DeepEqual(want, have) {
				t.Errorf("zookeeper properties:\nwant %v\nhave %v", want, have)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestLoadTopics(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"both forms", []string{"KAFKA_HOME=testdata/dist-3.9.1", "KAFKA_CREATE_TOPICS=kafka-on-kubernetes:1:1", "KAFKA_TOPICS_FILE=testdata/topics/good.txt"},
			"kafka-on-kubernetes:1:1 | events:3:1:compact min.cleanable.dirty.ratio=0.2 | audit:1:1 retention.ms=86400000 segment.bytes=104857600"},
		{"0.8 through ZooKeeper", []string{"KAFKA_HOME=testdata/dist-0.8.2.1", "KAFKA_TOPICS_FILE=testdata/topics/good.txt"},
			"events:3:1:compact min.cleanable.dirty.ratio=0.2 | audit:1:1 retention.ms=86400000 segment.bytes=104857600"},
		{"empty file name", []string{"KAFKA_HOME=testdata/dist-3.9.1", "KAFKA_TOPICS_FILE="}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			var have []string
			for _, s := range c.Topics {
				have = append(have, s.String())
			}
			if want, have := tc.want, strings.Join(have, " | "); want != have {
				t.Errorf("want %q, have %q", want, have)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	const home = "KAFKA_HOME=testdata/dist-3.9.1"
	base, err := filepath.Abs("testdata/dist-3.9.1/config")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"no home", []string{"KAFKA_HOME=testdata/none"}, "KAFKA_HOME: testdata/none has no bin/kafka-server-start.sh"},
		{"role", []string{home, "SUPERVISOR_ROLE=both"}, `SUPERVISOR_ROLE: "both" is not a role; want all, zookeeper or kafka (zookeeper mode); all, controller or broker (kraft mode)`},
		{"kraft role in zookeeper mode", []string{home, "SUPERVISOR_ROLE=broker"}, `SUPERVISOR_ROLE: broker, a kraft role, but Kafka 3.9.1 runs in zookeeper mode; want all, zookeeper or kafka in zookeeper mode`},
		{"version", []string{home, "KAFKA_VERSION=three"}, `KAFKA_VERSION: "three" is not a version`},
		{"broker id", []string{home, "KAFKA_BROKER_ID=1.5"}, `KAFKA_BROKER_ID: "1.5" is not a broker id; want a whole number from 0`},
		{"port zero", []string{home, "KAFKA_PORT=0"}, `KAFKA_PORT: "0" is not a port; want a number from 1 to 65535`},
		{"advertised port", []string{home, "KAFKA_ADVERTISED_PORT=x"}, `KAFKA_ADVERTISED_PORT: "x" is not a port`},
		{"advertised host", []string{home, "KAFKA_ADVERTISED_HOST_NAME=a b"}, `KAFKA_ADVERTISED_HOST_NAME: "a b" is not a host name`},
		{"http addr", []string{home, "SUPERVISOR_HTTP_ADDR=8080"}, `SUPERVISOR_HTTP_ADDR: "8080" is not host:port`},
		{"start timeout", []string{home, "SUPERVISOR_START_TIMEOUT=-3s"}, `SUPERVISOR_START_TIMEOUT: "-3s" is not a duration`},
		{"connect", []string{home, "KAFKA_ZOOKEEPER_CONNECT=zk:two"}, `KAFKA_ZOOKEEPER_CONNECT: "zk:two" is not a connect string`},
		{"chroot ends with a slash", []string{home, "KAFKA_ZOOKEEPER_CONNECT=zk:2181/kafka/"}, `KAFKA_ZOOKEEPER_CONNECT: "zk:2181/kafka/" is not a connect string`},
		{"chroot", []string{home, "KAFKA_ZOOKEEPER_CONNECT=zk:2181/a//b"}, `KAFKA_ZOOKEEPER_CONNECT: "zk:2181/a//b" is not a connect string`},
		{"listeners", []string{home, "KAFKA_LISTENERS=0.0.0.0"}, `KAFKA_LISTENERS: "0.0.0.0" is not a listener list`},
		{"topics", []string{home, "KAFKA_CREATE_TOPICS=t:0:1"}, `KAFKA_CREATE_TOPICS: topic "t": partitions "0": want a whole number from 1`},
		{"newline", []string{home, "KAFKA_SSL_KEYSTORE_LOCATION=/a\nbroker.id=3"}, "KAFKA_SSL_KEYSTORE_LOCATION: value holds a newline"},
		{"not utf-8", []string{home, "KAFKA_SSL_KEY_PASSWORD=\xff"}, "KAFKA_SSL_KEY_PASSWORD: property \"ssl.key.password\""},
		{"no plaintext listener", []string{home, "KAFKA_LISTENERS=SSL://:9093"}, `KAFKA_LISTENERS: "SSL://:9093" has no PLAINTEXT listener`},
		{"huge timeout", []string{home, "SUPERVISOR_START_TIMEOUT=10000000000"}, `SUPERVISOR_START_TIMEOUT: "10000000000" is not a duration`},
		{"topics file key on 0.9", []string{home, "KAFKA_VERSION=0.9.0.1", "KAFKA_TOPICS_FILE=testdata/topics/format-version.txt"}, `KAFKA_TOPICS_FILE: topic "events": config "message.format.version" is not a topic config of Kafka 0.9.0.1`},
		{"replicas in role all", []string{home, "KAFKA_CREATE_TOPICS=t:1:3"}, `KAFKA_CREATE_TOPICS: topic "t": replicas 3, but role all runs one broker`},
		{"topics file missing", []string{home, "KAFKA_TOPICS_FILE=testdata/topics/none.txt"}, "KAFKA_TOPICS_FILE: open testdata/topics/none.txt: no such file or directory; want a readable file"},
		{"topics file line", []string{home, "KAFKA_TOPICS_FILE=testdata/topics/bad-line.txt"}, `KAFKA_TOPICS_FILE: testdata/topics/bad-line.txt line 2: topic "audit": partitions "x": want a whole number from 1`},
		{"topics file key", []string{home, "KAFKA_TOPICS_FILE=testdata/topics/unknown-key.txt"}, `KAFKA_TOPICS_FILE: topic "events": config "retention.msec" is not a topic config of Kafka 3.9.1`},
		{"topics file key on 0.8", []string{"KAFKA_HOME=testdata/dist-0.8.2.1", "KAFKA_TOPICS_FILE=testdata/topics/compression.txt"}, `KAFKA_TOPICS_FILE: topic "events": config "compression.type" is not a topic config of Kafka 0.8.2.1`},
		{"topic twice", []string{home, "KAFKA_CREATE_TOPICS=kafka-on-kubernetes:1:1", "KAFKA_TOPICS_FILE=testdata/topics/dup.txt"}, `KAFKA_TOPICS_FILE: topic "kafka-on-kubernetes" is also in KAFKA_CREATE_TOPICS; want each topic in one place`},
		{"missing file", []string{home, "SUPERVISOR_CONFIG_DIR=testdata/none"}, "testdata/none/zookeeper.properties: no such file or directory"},
		{"relative run dir", []string{home, "SUPERVISOR_RUN_DIR=run"}, `SUPERVISOR_RUN_DIR: "run" is not absolute; want an absolute path outside SUPERVISOR_CONFIG_DIR and the Kafka log directories`},
		{"run dir is the base", []string{home, "SUPERVISOR_RUN_DIR=" + base + "/"}, "SUPERVISOR_RUN_DIR: " + base + "/ is SUPERVISOR_CONFIG_DIR, which is only read"},
		{"run dir in a kafka log dir", []string{home, "SUPERVISOR_DATA_DIR=/data", "KAFKA_LOG_DIRS=/data/k0,/data"}, "SUPERVISOR_RUN_DIR: /data/run is inside the Kafka log directory /data"},
		{"newline in the run dir", []string{home, "SUPERVISOR_RUN_DIR=/run\n"}, "SUPERVISOR_RUN_DIR: value holds a newline or NUL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.env)
			if err == nil {
				t.Fatalf("want error %q, have none", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want error containing %q, have %q", tc.want, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

// TestPrepareRefusesUnwritableDataDir: where access(2) cannot tell (root
// in /proc), making the directory fails, and the error names the variable
// and the directory.
func TestPrepareRefusesUnwritableDataDir(t *testing.T) {
	c, err := Load([]string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_DATA_DIR=/proc/self/kafka"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Prepare()
	var cfgErr *Error
	if !errors.As(err, &cfgErr) {
		t.Fatalf("want *Error, have %v", err)
	}
	if want, have := "SUPERVISOR_DATA_DIR", cfgErr.Var; want != have {
		t.Errorf("want %q named, have %q", want, have)
	}
	if want, have := "cannot create /proc/self/kafka/run: /proc/self/kafka", cfgErr.Msg; !strings.HasPrefix(have, want) {
		t.Errorf("want %q…, have %q", want, have)
	}
}

// TestZooKeeperEnv: the launch scripts' variables meant for the broker do
// not reach ZooKeeper; ZOOKEEPER_ ones take their place.
func TestZooKeeperEnv(t *testing.T) {
	c, err := Load([]string{"KAFKA_HOME=testdata/dist-3.9.1", "PATH=/bin", "KAFKA_HEAP_OPTS=-Xmx4g",
		"KAFKA_OPTS=-javaagent:agent.jar=7071", "JMX_PORT=9999", "ZOOKEEPER_HEAP_OPTS=-Xmx256m", "ZOOKEEPER_JMX_PORT=9998"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"KAFKA_HOME=testdata/dist-3.9.1", "PATH=/bin", "ZOOKEEPER_HEAP_OPTS=-Xmx256m", "ZOOKEEPER_JMX_PORT=9998",
		"KAFKA_HEAP_OPTS=-Xmx256m", "JMX_PORT=9998", "LOG_DIR=/var/lib/kafka/logs"}
	if have := c.ZooKeeperEnv(); !reflect.DeepEqual(want, have) {
		t.Errorf("zookeeper env:\nwant %q\nhave %q", want, have)
	}
	if have := c.KafkaEnv(); !slices.Contains(have, "KAFKA_HEAP_OPTS=-Xmx4g") || !slices.Contains(have, "JMX_PORT=9999") {
		t.Errorf("kafka env lacks its own options: %q", have)
	}
	for _, kv := range c.ZooKeeperProps {
		if strings.Contains(kv.Key, "heap") || strings.Contains(kv.Key, "jmx") {
			t.Errorf("launch variable written as a property: %v", kv)
		}
	}
}
