// Package scripts_test runs the repository's scripts as a user would.
package scripts_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestKafkaDistUnreachable: when Maven cannot reach its repository,
// kafka-dist.sh says so in one line, in place of Maven's "No plugin found
// for prefix 'dependency'", prints no path and caches nothing. Maven runs
// with a home of its own (user.home), so that neither its settings nor its
// local repository are the user's.
func TestKafkaDistUnreachable(t *testing.T) {
	if _, err := exec.LookPath("mvn"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI needs mvn for this test")
		}
		t.Skip("mvn is not installed")
	}
	for _, tc := range []struct {
		name     string
		settings string // %s: a URL nothing answers at
	}{
		{"refused", `<settings><mirrors><mirror><id>down</id><mirrorOf>*</mirrorOf><url>%s</url></mirror></mirrors></settings>`},
		{"offline", `<settings><offline>true</offline></settings>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, cache := t.TempDir(), t.TempDir()
			settings := strings.ReplaceAll(tc.settings, "%s", refusedURL(t))
			if err := os.MkdirAll(filepath.Join(home, ".m2"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(home, ".m2", "settings.xml"), []byte(settings), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("./kafka-dist.sh", "3.9.1")
			cmd.Env = append(os.Environ(), "KAFKA_DIST_CACHE="+cache, "MAVEN_OPTS=-Duser.home="+home)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("want exit code 1, have %v; stderr:\n%s", err, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("want no path on stdout, have %q", stdout.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			want := regexp.MustCompile(`^kafka-dist\.sh: cannot reach Maven Central to fetch Kafka 3\.9\.1's jars \(.+\); the distribution is cached once fetched$`)
			if last := lines[len(lines)-1]; !want.MatchString(last) {
				t.Errorf("last line: want %s, have %q", want, last)
			}
			if want, have := 2, len(lines); want != have {
				t.Errorf("want %d lines on stderr (fetching, cannot reach), have %d:\n%s", want, have, stderr.String())
			}
			if entries, err := os.ReadDir(cache); err != nil || len(entries) != 0 {
				t.Errorf("want an empty cache, have %v (%v)", entries, err)
			}
		})
	}
}

// refusedURL returns an http URL on a loopback port that is bound but not
// listening, so that every connection to it is refused for the test's life.
func refusedURL(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port) + "/maven2"
}
