// Package logging builds the supervisor's root logger and names its parts.
//
// The servers' output is relayed line by line through sub-loggers of the
// root, one per server, each with a level of its own
// (SUPERVISOR_SERVER_LOG_LEVEL), so that the servers' INFO chatter can be
// turned down without losing the supervisor's own lines, or the other way
// round.
package logging

import (
	"io"

	"github.com/hashicorp/go-hclog"
)

// Names of the sub-loggers: the supervisor's own lines, and the output of
// each child, so that every line says where it comes from.
const (
	Supervisor = "supervisor"
	ZooKeeper  = "zookeeper"
	Kafka      = "kafka"
)

// New returns the root logger, writing text or JSON ("json") to out.
// Its sub-loggers start at its level and may be given their own.
func New(format string, level hclog.Level, out io.Writer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Level:             level,
		JSONFormat:        format == "json",
		Output:            out,
		IndependentLevels: true,
	})
}

// Server returns the sub-logger named name that relays a server's output,
// at level whatever the root's is.
func Server(root hclog.Logger, name string, level hclog.Level) hclog.Logger {
	l := root.Named(name)
	l.SetLevel(level)
	return l
}
