package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
)

// Bind is an address the supervisor or a child will listen on, with the
// variable that set it.
type Bind struct {
	Var  string
	Addr string // host:port; an empty host is every address
}

// HealthBind is the address of the supervisor's own /livez and /readyz.
func (c *Config) HealthBind() Bind { return Bind{"SUPERVISOR_HTTP_ADDR", c.HTTPAddr} }

// Binds lists the addresses a start listens on: the health endpoint's,
// then ZooKeeper's clients' and the broker's listeners, for the roles this
// supervisor runs.
func (c *Config) Binds() []Bind {
	out := []Bind{c.HealthBind()}
	if c.Role.RunsZooKeeper() {
		zk := c.ZooKeeperProps
		out = append(out, Bind{"ZOOKEEPER_CLIENT_PORT", net.JoinHostPort(valueOf(zk, "clientPortAddress"), valueOf(zk, "clientPort"))})
	}
	if c.Role.RunsKafka() {
		k := c.KafkaProps
		if c.legacyListeners() {
			host := valueOf(k, "host.name")
			out = append(out, Bind{"KAFKA_PORT", net.JoinHostPort(host, valueOf(k, "port"))})
		} else {
			for _, l := range strings.Split(valueOf(k, "listeners"), ",") {
				if _, hp, ok := strings.Cut(strings.TrimSpace(l), "://"); ok {
					v := c.listenersVar
					if c.Mode == ModeKRaft && isController(l) {
						v = "KAFKA_CONTROLLER_PORT"
					}
					out = append(out, Bind{v, hp})
				}
			}
		}
	}
	return out
}

// CheckBinds returns the error of Listen for the first address of Binds
// that cannot be listened on. It holds each until all are tried, so that
// two of the supervisor's own on one port are refused too.
func (c *Config) CheckBinds() error {
	for _, b := range c.Binds() {
		ln, err := Listen(b)
		if err != nil {
			return err
		}
		defer ln.Close()
	}
	return nil
}

// Listen listens on b's address. Its error is the one line that
// `supervisor check` and a start both give:
// "KAFKA_PORT: cannot listen on 0.0.0.0:9092: address already in use; want a free port".
func Listen(b Bind) (net.Listener, error) {
	ln, err := net.Listen("tcp", b.Addr)
	if err == nil {
		return ln, nil
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		err = opErr.Err
	}
	var sysErr *os.SyscallError
	if errors.As(err, &sysErr) {
		err = sysErr.Err
	}
	want := "a free port"
	if !errors.Is(err, syscall.EADDRINUSE) {
		want = "an address of this host and a port the supervisor may bind"
	}
	return nil, &Error{b.Var, fmt.Sprintf("cannot listen on %s: %v", b.Addr, err), want}
}
