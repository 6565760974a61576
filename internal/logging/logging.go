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
	"slices"
	"time"

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
// Its sub-loggers start at its level and may be given their own. In JSON
// a duration is written as text writes it ("took":"837ms"), not as the
// integer nanoseconds of encoding/json.
func New(format string, level hclog.Level, out io.Writer) hclog.Logger {
	l := hclog.New(&hclog.LoggerOptions{
		Level:             level,
		JSONFormat:        format == "json",
		Output:            out,
		IndependentLevels: true,
	})
	if format == "json" {
		return durations{l}
	}
	return l
}

// Server returns the sub-logger named name that relays a server's output,
// at level whatever the root's is.
func Server(root hclog.Logger, name string, level hclog.Level) hclog.Logger {
	l := root.Named(name)
	l.SetLevel(level)
	return l
}

// durations is a logger that hands its durations on as strings, and
// whose sub-loggers do the same.
type durations struct{ hclog.Logger }

func (d durations) Log(level hclog.Level, msg string, args ...any) {
	d.Logger.Log(level, msg, durationStrings(args)...)
}
func (d durations) Trace(msg string, args ...any) { d.Logger.Trace(msg, durationStrings(args)...) }
func (d durations) Debug(msg string, args ...any) { d.Logger.Debug(msg, durationStrings(args)...) }
func (d durations) Info(msg string, args ...any)  { d.Logger.Info(msg, durationStrings(args)...) }
func (d durations) Warn(msg string, args ...any)  { d.Logger.Warn(msg, durationStrings(args)...) }
func (d durations) Error(msg string, args ...any) { d.Logger.Error(msg, durationStrings(args)...) }
func (d durations) With(args ...any) hclog.Logger {
	return durations{d.Logger.With(durationStrings(args)...)}
}
func (d durations) Named(name string) hclog.Logger      { return durations{d.Logger.Named(name)} }
func (d durations) ResetNamed(name string) hclog.Logger { return durations{d.Logger.ResetNamed(name)} }

// durationStrings returns args with each time.Duration as its String,
// copied only when there is one.
func durationStrings(args []any) []any {
	var out []any
	for i, a := range args {
		if d, ok := a.(time.Duration); ok {
			if out == nil {
				out = slices.Clone(args)
			}
			out[i] = d.String()
		}
	}
	if out == nil {
		return args
	}
	return out
}
