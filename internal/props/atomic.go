package props

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KV is one key and the value to give it.
type KV struct {
	Key, Value string
}

// WriteAtomic replaces the file at path with data and mode perm, so that a
// reader sees either the old file or the new one, never a partial write, and
// the change survives a crash once WriteAtomic returns.
func WriteAtomic(path string, data []byte, perm fs.FileMode) error {
	if err := writeAtomic(path, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	// The temporary file must be in the same directory: rename is only
	// atomic within one file system.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	// Chmod rather than a create mode, so that the umask does not apply.
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	renamed = true
	// Sync the directory so the rename itself is on disk.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Source is a properties file read from disk, to be changed in memory.
// Nothing writes it back where it was read: the caller writes the changed
// text elsewhere with WriteAtomic, so that the file read stays the base of
// every later change, and may be on a read-only file system.
type Source struct {
	*File
	// Path is where the file was read.
	Path string
}

// Read parses the properties file at path.
func Read(path string) (*Source, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &Source{File: f, Path: path}, nil
}
