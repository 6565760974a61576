package props

import (
	"bytes"
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

// Rewrite sets each of set in order in the properties file at path and
// writes the result with WriteAtomic, keeping the file's permissions. It
// writes nothing when the bytes would not change, so running it again with
// the same settings leaves the file, and its mtime, alone. If any Set fails,
// the file is left as it was.
func Rewrite(path string, set []KV) (changed bool, err error) {
	changed, err = rewrite(path, set)
	if err != nil {
		return false, fmt.Errorf("rewrite %s: %w", path, err)
	}
	return changed, nil
}

func rewrite(path string, set []KV) (bool, error) {
	info, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	f, err := Parse(data)
	if err != nil {
		return false, err
	}
	for _, kv := range set {
		if err := f.Set(kv.Key, kv.Value); err != nil {
			return false, err
		}
	}
	out := f.Bytes()
	if bytes.Equal(out, data) {
		return false, nil
	}
	return true, writeAtomic(path, out, info.Mode().Perm())
}
