package config

import (
	"net"
	"reflect"
	"strings"
	"testing"
)

func TestBinds(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want []Bind
	}{
		{"role all", []string{"KAFKA_HOME=testdata/dist-3.9.1", "ZOOKEEPER_CLIENT_PORT=2999", "KAFKA_PORT=9999"},
			[]Bind{{"ZOOKEEPER_CLIENT_PORT", ":2999"}, {"KAFKA_PORT", "0.0.0.0:9999"}}},
		{"role kafka, two listeners", []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=kafka", "KAFKA_LISTENERS=PLAINTEXT://:29092,EXTERNAL://127.0.0.1:9092", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT"},
			[]Bind{{"KAFKA_LISTENERS", ":29092"}, {"KAFKA_LISTENERS", "127.0.0.1:9092"}}},
		{"role zookeeper, bound address", []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_CLIENT_PORT_ADDRESS=127.0.0.1"},
			[]Bind{{"ZOOKEEPER_CLIENT_PORT", "127.0.0.1:2181"}}},
		{"0.8", []string{"KAFKA_HOME=testdata/dist-0.8.2.1", "SUPERVISOR_ROLE=kafka", "KAFKA_HOST_NAME=127.0.0.1"},
			[]Bind{{"KAFKA_PORT", "127.0.0.1:9092"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tc.want, c.Binds(); !reflect.DeepEqual(want, have) {
				t.Errorf("want %v, have %v", want, have)
			}
		})
	}
}

func TestCheckBindsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	c, err := Load([]string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=kafka", "KAFKA_HOST_NAME=127.0.0.1", "KAFKA_PORT=" + port})
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckBinds()
	if err == nil || !strings.HasPrefix(err.Error(), "KAFKA_PORT: cannot listen on 127.0.0.1:"+port) || !strings.HasSuffix(err.Error(), "want a free port") {
		t.Errorf("want an error naming KAFKA_PORT, have %v", err)
	}
}
