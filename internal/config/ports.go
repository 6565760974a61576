package config

import (
	"fmt"
	"net"
	"strings"
)

// Bind is an address a child will listen on, with the variable that set it.
type Bind struct {
	Var  string
	Addr string // host:port; an empty host is every address
}

// Binds lists the addresses ZooKeeper's clients and the broker's listeners
// will be served on, for the roles this supervisor runs.
func (c *Config) Binds() []Bind {
	var out []Bind
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
					out = append(out, Bind{c.listenersVar, hp})
				}
			}
		}
	}
	return out
}

// CheckBinds returns an error naming the variable of the first address
// that something else already listens on.
func (c *Config) CheckBinds() error {
	for _, b := range c.Binds() {
		ln, err := net.Listen("tcp", b.Addr)
		if err != nil {
			return &Error{b.Var, fmt.Sprintf("cannot listen on %s: %v", b.Addr, err), "a free port"}
		}
		ln.Close()
	}
	return nil
}
