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
			[]Bind{{"SUPERVISOR_HTTP_ADDR", ":8080"}, {"ZOOKEEPER_CLIENT_PORT", ":2999"}, {"KAFKA_PORT", "0.0.0.0:9999"}}},
		{"role kafka, two listeners", []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=kafka", "KAFKA_LISTENERS=PLAINTEXT://:29092,EXTERNAL://127.0.0.1:9092", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT"},
			[]Bind{{"SUPERVISOR_HTTP_ADDR", ":8080"}, {"KAFKA_LISTENERS", ":29092"}, {"KAFKA_LISTENERS", "127.0.0.1:9092"}}},
		{"role zookeeper, bound address", []string{"KAFKA_HOME=testdata/dist-3.9.1", "SUPERVISOR_ROLE=zookeeper", "ZOOKEEPER_CLIENT_PORT_ADDRESS=127.0.0.1", "SUPERVISOR_HTTP_ADDR=127.0.0.1:8081"},
			[]Bind{{"SUPERVISOR_HTTP_ADDR", "127.0.0.1:8081"}, {"ZOOKEEPER_CLIENT_PORT", "127.0.0.1:2181"}}},
		{"0.8", []string{"KAFKA_HOME=testdata/dist-0.8.2.1", "SUPERVISOR_ROLE=kafka", "KAFKA_HOST_NAME=127.0.0.1"},
			[]Bind{{"SUPERVISOR_HTTP_ADDR", ":8080"}, {"KAFKA_PORT", "127.0.0.1:9092"}}},
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

// TestCheckBindsTaken: a port something else listens on, or one that two
// of the supervisor's own addresses share, is refused with the line
// Listen gives, naming the variable of the address.
func TestCheckBindsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		_, p, _ := net.SplitHostPort(l.Addr().String())
		return p
	}
	const home = "KAFKA_HOME=testdata/dist-3.9.1"
	same := free()
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"kafka port", []string{home, "SUPERVISOR_ROLE=kafka", "SUPERVISOR_HTTP_ADDR=127.0.0.1:" + free(), "KAFKA_HOST_NAME=127.0.0.1", "KAFKA_PORT=" + port},
			"KAFKA_PORT: cannot listen on 127.0.0.1:" + port + ": address already in use; want a free port"},
		{"health port", []string{home, "SUPERVISOR_ROLE=kafka", "SUPERVISOR_HTTP_ADDR=127.0.0.1:" + port, "KAFKA_HOST_NAME=127.0.0.1", "KAFKA_PORT=" + free()},
			"SUPERVISOR_HTTP_ADDR: cannot listen on 127.0.0.1:" + port + ": address already in use; want a free port"},
		{"two of its own", []string{home, "SUPERVISOR_HTTP_ADDR=127.0.0.1:" + free(), "ZOOKEEPER_CLIENT_PORT_ADDRESS=127.0.0.1", "ZOOKEEPER_CLIENT_PORT=" + same,
			"KAFKA_HOST_NAME=127.0.0.1", "KAFKA_PORT=" + same},
			"KAFKA_PORT: cannot listen on 127.0.0.1:" + same + ": address already in use; want a free port"},
		{"not an address of this host", []string{home, "SUPERVISOR_ROLE=kafka", "SUPERVISOR_HTTP_ADDR=192.0.2.1:" + free()},
			"SUPERVISOR_HTTP_ADDR: cannot listen on 192.0.2.1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			err = c.CheckBinds()
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("want %q, have %v", tc.want, err)
			}
			if err != nil && strings.HasPrefix(err.Error(), tc.want) {
				_, lerr := Listen(c.Binds()[0])
				if c.Binds()[0].Var == "SUPERVISOR_HTTP_ADDR" && tc.name != "kafka port" && tc.name != "two of its own" && errString(lerr) != err.Error() {
					t.Errorf("Listen and CheckBinds differ: %v, %v", lerr, err)
				}
			}
		})
	}
}

// TestListen: the health endpoint's address, which a start listens on
// for good, is refused with the same line as CheckBinds gives.
func TestListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(Bind{"SUPERVISOR_HTTP_ADDR", ln.Addr().String()})
	if want, have := "SUPERVISOR_HTTP_ADDR: cannot listen on "+ln.Addr().String()+": address already in use; want a free port", errString(err); want != have {
		t.Errorf("want %q, have %q", want, have)
	}
}
