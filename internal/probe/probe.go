// Package probe asks the supervisor's own health server for /readyz or
// /livez, so that an image without curl can still have a HEALTHCHECK.
package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// ErrNotHealthy is returned when the server answers with another status than 200.
var ErrNotHealthy = errors.New("not healthy")

// URL is where to ask for path on the health server listening on addr
// (SUPERVISOR_HTTP_ADDR, host:port). A wildcard or empty host is asked on
// loopback, because the probe runs in the supervisor's own network namespace.
func URL(addr, path string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("health address %q is not host:port", addr)
	}
	if !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("path %q does not start with /", path)
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}

// Check GETs url and returns the first line of the body when the answer is
// 200, else an error wrapping ErrNotHealthy that holds the status and that line.
func Check(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("probe %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("probe: %w", err)
	}
	defer resp.Body.Close()
	line, _, _ := bufio.NewReader(io.LimitReader(resp.Body, 4096)).ReadLine()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("probe %s: %w: %s %s", url, ErrNotHealthy, resp.Status, line)
	}
	return string(line), nil
}
