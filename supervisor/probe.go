package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kafka-on-kubernetes/supervisor/internal/probe"
)

// probeTimeout bounds one probe, below a HEALTHCHECK's usual timeout.
const probeTimeout = 3 * time.Second

// probeMain asks the running supervisor's health server (SUPERVISOR_HTTP_ADDR,
// default :8080) for path, /readyz unless given. It exits 0 when the answer
// is 200, and 1 otherwise: Docker's HEALTHCHECK reads 1 as unhealthy and
// reserves 2.
func probeMain(args, environ []string, stdout, stderr io.Writer) int {
	path := "/readyz"
	switch len(args) {
	case 0:
	case 1:
		path = args[0]
	default:
		fmt.Fprintln(stderr, "usage: supervisor probe [/readyz|/livez]")
		return exitFailure
	}
	addr := ":8080"
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "SUPERVISOR_HTTP_ADDR="); ok && v != "" {
			addr = v // the last one wins, as in Load
		}
	}
	url, err := probe.URL(addr, path)
	if err != nil {
		fmt.Fprintf(stderr, "supervisor probe: SUPERVISOR_HTTP_ADDR: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	// Straight to the supervisor: never through a proxy of the environment.
	line, err := probe.Check(ctx, &http.Client{Transport: &http.Transport{Proxy: nil}}, url)
	if err != nil {
		fmt.Fprintf(stderr, "supervisor %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, line)
	return exitOK
}
