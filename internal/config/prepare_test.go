package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestPrepareGolden rewrites the stock files of each fixture distribution
// twice and compares them with testdata/golden: the second run changes
// nothing.
func TestPrepareGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"3.9.1", []string{"KAFKA_HOME=testdata/dist-3.9.1", "KAFKA_ADVERTISED_HOST_NAME=10.4.0.7",
			"KAFKA_AUTO_CREATE_TOPICS_ENABLE=false", "ZOOKEEPER_ADMIN_SERVER_PORT=8081"}},
		{"0.8.2.1", []string{"KAFKA_HOME=testdata/dist-0.8.2.1", "KAFKA_BROKER_ID=2", "KAFKA_LOG_RETENTION_HOURS=24"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "config")
			home := tc.env[0][len("KAFKA_HOME="):]
			if err := os.CopyFS(conf, os.DirFS(filepath.Join(home, "config"))); err != nil {
				t.Fatal(err)
			}
			env := append(tc.env, "SUPERVISOR_CONFIG_DIR="+conf, "SUPERVISOR_DATA_DIR=/data")
			for run := 1; run <= 2; run++ {
				c, err := Load(env)
				if err != nil {
					t.Fatal(err)
				}
				// Data directories go to the test's own folder; /data only
				// appears in the files.
				c.LogDir, c.ZooKeeperDataDir, c.KafkaDataDirs = filepath.Join(dir, "logs"), filepath.Join(dir, "zk"), []string{filepath.Join(dir, "kafka")}
				if err := c.Prepare(); err != nil {
					t.Fatal(err)
				}
				for _, f := range []string{ServerFile, ZooKeeperFile} {
					have, err := os.ReadFile(filepath.Join(conf, f))
					if err != nil {
						t.Fatal(err)
					}
					golden := filepath.Join("testdata", "golden", tc.name+"-"+f)
					if *update && run == 1 {
						if err := os.WriteFile(golden, have, 0o644); err != nil {
							t.Fatal(err)
						}
					}
					want, err := os.ReadFile(golden)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(want, have) {
						t.Errorf("run %d: %s differs from %s", run, f, golden)
					}
				}
			}
		})
	}
}
