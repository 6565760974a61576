// Package logging builds the supervisor's root logger and names its parts.
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
func New(format string, level hclog.Level, out io.Writer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Level:      level,
		JSONFormat: format == "json",
		Output:     out,
	})
}
