package props

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// names lists the entries of dir, to show that no temporary file is left behind.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteAtomic(t *testing.T) {
	tests := []struct {
		name     string
		existing bool // whether the file exists before the write
		perm     fs.FileMode
	}{
		{"new file", false, 0o644},
		{"replace", true, 0o600},
		{"group readable", true, 0o640},
		{"executable", false, 0o755},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "server.properties")
			if tt.existing {
				if err := os.WriteFile(path, []byte("old=1\n"), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			data := []byte("broker.id=3\n")
			if err := WriteAtomic(path, data, tt.perm); err != nil {
				t.Fatal(err)
			}
			if want, have := string(data), string(readFile(t, path)); want != have {
				t.Errorf("want %q, have %q", want, have)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if want, have := tt.perm, info.Mode(); want != have {
				t.Errorf("mode: want %v, have %v", want, have)
			}
			if want, have := []string{"server.properties"}, names(t, dir); !slices.Equal(want, have) {
				t.Errorf("directory: want %q, have %q", want, have)
			}
		})
	}
}

func TestWriteAtomicFailure(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (path string)
	}{
		{
			name: "path is a directory",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "server.properties")
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
				return path
			},
		},
		{
			name: "directory missing",
			setup: func(t *testing.T, dir string) string {
				return filepath.Join(dir, "missing", "server.properties")
			},
		},
		{
			// A case every user, root included, meets: the parent is a file.
			name: "parent not a directory",
			setup: func(t *testing.T, dir string) string {
				parent := filepath.Join(dir, "file")
				if err := os.WriteFile(parent, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(parent, "server.properties")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			before := names(t, dir)

			err := WriteAtomic(path, []byte("a=1\n"), 0o644)
			if err == nil {
				t.Fatal("want an error, have none")
			}
			if prefix := "write " + path + ": "; !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("want the message to start with %q, have %q", prefix, err)
			}
			if want, have := before, names(t, dir); !slices.Equal(want, have) {
				t.Errorf("directory: want %q, have %q", want, have)
			}
			if parent := filepath.Dir(path); parent != dir {
				if entries, err := os.ReadDir(parent); err == nil && len(entries) != 0 {
					t.Errorf("left behind in %s: %v", parent, entries)
				}
			}
		})
	}
}

// render reads path, sets each of set and writes the result to out, as
// a caller would.
func render(path, out string, set []KV) error {
	src, err := Read(path)
	if err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	for _, kv := range set {
		if err := src.Set(kv.Key, kv.Value); err != nil {
			return fmt.Errorf("render %s: %w", path, err)
		}
	}
	return WriteAtomic(out, src.Bytes(), 0o600)
}

// TestRender writes the changed file elsewhere, twice: both times the
// result matches the golden file, and the file read is left as it was.
func TestRender(t *testing.T) {
	base, out := t.TempDir(), t.TempDir()
	path := filepath.Join(base, "server.properties")
	in := readFile(t, filepath.Join("testdata", "server.properties"))
	if err := os.WriteFile(path, in, 0o640); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		if err := render(path, filepath.Join(out, "server.properties"), serverSets); err != nil {
			t.Fatal(err)
		}
		if want, have := readFile(t, filepath.Join("testdata", "server.golden")), readFile(t, filepath.Join(out, "server.properties")); !bytes.Equal(want, have) {
			t.Errorf("run %d: %s", run, diff(want, have))
		}
		if want, have := in, readFile(t, path); !bytes.Equal(want, have) {
			t.Errorf("run %d: the file read was changed", run)
		}
		after, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) || after.Mode() != before.Mode() {
			t.Errorf("run %d: the file read was replaced or touched: %v %v", run, after.ModTime(), after.Mode())
		}
		if want, have := []string{"server.properties"}, names(t, base); !slices.Equal(want, have) {
			t.Errorf("run %d: base directory: want %q, have %q", run, want, have)
		}
	}
}

// TestRenderUnsafe: a bad setting fails before anything is written, even
// after a good one.
func TestRenderUnsafe(t *testing.T) {
	base, out := t.TempDir(), t.TempDir()
	path := filepath.Join(base, "server.properties")
	in := []byte("broker.id=0\nlog.dirs=/tmp\n")
	if err := os.WriteFile(path, in, 0o644); err != nil {
		t.Fatal(err)
	}
	err := render(path, filepath.Join(out, "server.properties"), []KV{{"broker.id", "1"}, {"log.dirs", "/data\nbroker.id=7"}})
	if !errors.Is(err, ErrUnsafe) {
		t.Fatalf("want ErrUnsafe, have %v", err)
	}
	if want, have := `render `+path+`: property "log.dirs": value holds a newline`, err.Error(); want != have {
		t.Errorf("want %q, have %q", want, have)
	}
	if want, have := in, readFile(t, path); !bytes.Equal(want, have) {
		t.Errorf("want %q, have %q", want, have)
	}
	if have := names(t, out); len(have) != 0 {
		t.Errorf("written: %q", have)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.properties")
	if err := os.WriteFile(bad, []byte("a=\\u12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(dir, "missing.properties"), "no such file or directory"},
		{"malformed escape", bad, `line 1: malformed \uXXXX escape`},
		{"directory", dir, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.path)
			if err == nil {
				t.Fatal("want an error, have none")
			}
			if prefix := "read " + tt.path + ": "; !strings.HasPrefix(err.Error(), prefix) || !strings.HasSuffix(err.Error(), tt.want) {
				t.Errorf("want %q ... %q, have %q", prefix, tt.want, err)
			}
		})
	}
}
