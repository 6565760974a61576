package images_test

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// archive is a release archive on disk, as fetch-kafka.sh reads one
// through curl: <dir>/KEYS and <dir>/<version>/kafka_<scala>-<version>.tgz
// with its .asc and .sha512.
type archive struct {
	dir, gnupg string
	fprs       []string // the test keys' fingerprints
}

// gpg runs gpg on the archive's own keyring.
func (a *archive) gpg(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("gpg", append([]string{"--batch", "--quiet", "--homedir", a.gnupg}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gpg %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// newArchive makes two signing keys, exports both to KEYS, and publishes a
// tarball signed with key 0.
func newArchive(t *testing.T) *archive {
	t.Helper()
	for _, tool := range []string{"gpg", "curl", "sha512sum", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	// gpg-agent's socket path must be short: not under t.TempDir's long name.
	gnupg, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", gnupg, "--kill", "all").Run()
		os.RemoveAll(gnupg)
	})
	a := &archive{dir: t.TempDir(), gnupg: gnupg}
	for _, uid := range []string{"Release Manager <rm@example.org>", "Mirror Operator <mirror@example.org>"} {
		a.gpg(t, "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never")
	}
	for _, line := range strings.Split(a.gpg(t, "--with-colons", "--list-keys"), "\n") {
		// The fpr line after each pub line is the primary key's.
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" && len(a.fprs) < 2 {
			a.fprs = append(a.fprs, f[9])
		}
	}
	if len(a.fprs) != 2 {
		t.Fatalf("want 2 fingerprints, have %q", a.fprs)
	}
	if err := os.WriteFile(filepath.Join(a.dir, "KEYS"), []byte(a.gpg(t, "--armor", "--export")), 0o644); err != nil {
		t.Fatal(err)
	}
	a.publish(t, "3.9.1", 0)
	return a
}

// publish writes the tarball of version with a bin/kafka-topics.sh, signed
// by key signer, and its SHA-512.
func (a *archive) publish(t *testing.T, version string, signer int) string {
	t.Helper()
	dir := filepath.Join(a.dir, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tgz := filepath.Join(dir, "kafka_2.13-"+version+".tgz")
	f, err := os.Create(tgz)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	body := "#!/bin/sh\necho topics\n"
	for _, h := range []*tar.Header{
		{Name: "kafka_2.13-" + version + "/bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "kafka_2.13-" + version + "/bin/kafka-topics.sh", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(body))},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tw.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []interface{ Close() error }{tw, gz, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	a.gpg(t, "--yes", "--armor", "--local-user", a.fprs[signer], "--output", tgz+".asc", "--detach-sign", tgz)
	data, err := os.ReadFile(tgz)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(data)
	// gpg --print-md's form, as Kafka publishes it: upper case, in groups.
	hexSum := strings.ToUpper(hex.EncodeToString(sum[:]))
	var groups []string
	for i := 0; i < len(hexSum); i += 8 {
		groups = append(groups, hexSum[i:i+8])
	}
	md := filepath.Base(tgz) + ": " + strings.Join(groups[:8], " ") + "\n" + strings.Repeat(" ", 20) + strings.Join(groups[8:], " ") + "\n"
	if err := os.WriteFile(tgz+".sha512", []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	return tgz
}

// fetch runs fetch-kafka.sh on the archive with signers pinned; it
// returns the unpacked directory, its combined output, and its error.
func (a *archive) fetch(t *testing.T, version, signers string) (string, string, error) {
	t.Helper()
	pin := filepath.Join(t.TempDir(), "release-signers")
	if err := os.WriteFile(pin, []byte("# test\n"+signers+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "kafka")
	cmd := exec.Command(filepath.Join("kafka", "fetch-kafka.sh"), "file://"+a.dir, version, "2.13", pin, dest)
	cmd.Env = append(os.Environ(), "GNUPGHOME=/nonexistent") // the script uses its own
	out, err := cmd.CombinedOutput()
	return dest, string(out), err
}

// spaced writes a fingerprint in groups of four, as KEYS prints it.
func spaced(fpr string) string {
	var groups []string
	for i := 0; i < len(fpr); i += 4 {
		groups = append(groups, fpr[i:i+4])
	}
	return strings.Join(groups, " ")
}

// TestFetchKafka runs the archive path of images/kafka/Dockerfile against
// an archive on disk: the tarball is unpacked only when its signer is
// pinned, its signature verifies and its SHA-512 matches.
func TestFetchKafka(t *testing.T) {
	a := newArchive(t)

	t.Run("pinned signer", func(t *testing.T) {
		dest, out, err := a.fetch(t, "3.9.1", spaced(a.fprs[0]))
		if err != nil {
			t.Fatalf("want success, have %v: %s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dest, "bin", "kafka-topics.sh")); err != nil {
			t.Errorf("not unpacked: %v", err)
		}
	})

	t.Run("signer in KEYS but not pinned", func(t *testing.T) {
		a.publish(t, "3.9.2", 1)
		dest, out, err := a.fetch(t, "3.9.2", spaced(a.fprs[0]))
		if err == nil || !strings.Contains(out, "signed by "+a.fprs[1]+", which") || !strings.Contains(out, "does not pin") {
			t.Errorf("want a refusal naming signer %s, have %v: %s", a.fprs[1], err, out)
		}
		if _, err := os.Stat(dest); err == nil {
			t.Error("unpacked anyway")
		}
	})

	t.Run("tarball changed after signing", func(t *testing.T) {
		tgz := a.publish(t, "3.9.3", 0)
		f, err := os.OpenFile(tgz, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("tampered"))
		f.Close()
		_, out, err := a.fetch(t, "3.9.3", a.fprs[0])
		if err == nil || !strings.Contains(out, "the signature does not verify") {
			t.Errorf("want a refusal of the signature, have %v: %s", err, out)
		}
	})

	t.Run("digest mismatch", func(t *testing.T) {
		tgz := a.publish(t, "3.9.4", 0)
		if err := os.WriteFile(tgz+".sha512", []byte(strings.Repeat("ab", 64)+"  x.tgz\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, out, err := a.fetch(t, "3.9.4", a.fprs[0])
		if err == nil || !strings.Contains(out, "SHA-512") {
			t.Errorf("want a refusal of the digest, have %v: %s", err, out)
		}
	})
}
