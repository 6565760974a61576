package main

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// TestKRaftScram formats a combined node with SCRAM credentials from
// KAFKA_SCRAM_CREDENTIALS_FILE and gives it a SASL_PLAINTEXT listener
// beside the PLAINTEXT one: a client that authenticates as the user with
// its password produces and reads back a message there, one with another
// password is refused. Only the format could have made the user: nothing
// else adds credentials.
func TestKRaftScram(t *testing.T) {
	dist := kraftDists(t)[0]
	dir := t.TempDir()
	copyDir(t, filepath.Join(dist, "config"), filepath.Join(dir, "config"))
	users := filepath.Join(dir, "scram-users")
	if err := os.WriteFile(users, []byte("SCRAM-SHA-256 alice alice=secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plain, sasl := freePort(t), freePort(t)
	in := startKRaft(t, dist, dir,
		"KAFKA_SCRAM_CREDENTIALS_FILE="+users,
		fmt.Sprintf("KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d", plain, sasl),
		"KAFKA_SASL_ENABLED_MECHANISMS=SCRAM-SHA-256",
		"KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SCRAM___SHA___256_SASL_JAAS_CONFIG=org.apache.kafka.common.security.scram.ScramLoginModule required;",
		"KAFKA_CREATE_TOPICS="+seedTopic+":1:1")
	in.kafkaAddr = "127.0.0.1:" + strconv.Itoa(plain)
	in.waitProbe("/readyz", 200, "ready", 2*time.Minute)
	in.waitLog(`starting: phase=format .*scram_credentials=1`, time.Second)

	saslAddr := "127.0.0.1:" + strconv.Itoa(sasl)
	client, err := sarama.NewClient([]string{saslAddr}, scramConfig("alice", "alice=secret"))
	if err != nil {
		t.Fatalf("alice with her password: %v", err)
	}
	defer client.Close()
	produce(t, client, seedTopic, 0, "through SASL/SCRAM")
	if want, have := []string{"through SASL/SCRAM"}, consume(t, client, seedTopic, 0, 1); fmt.Sprint(want) != fmt.Sprint(have) {
		t.Errorf("consumed: want %q, have %q", want, have)
	}
	if c, err := sarama.NewClient([]string{saslAddr}, scramConfig("alice", "wrong")); err == nil {
		c.Close()
		t.Error("alice with a wrong password: connected")
	} else if !errors.Is(err, sarama.ErrSASLAuthenticationFailed) && !strings.Contains(err.Error(), "SASL") {
		t.Errorf("alice with a wrong password: want a SASL authentication error, have %v", err)
	}
	in.stopCleanly()
}

// scramConfig is a client of SASL/SCRAM-SHA-256 as name.
func scramConfig(name, password string) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V4_0_0_0
	cfg.Metadata.Retry.Max = 0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Net.SASL.Enable = true
	cfg.Net.SASL.Handshake = true
	cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
	cfg.Net.SASL.User, cfg.Net.SASL.Password = name, password
	cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramSHA256{} }
	return cfg
}

// scramSHA256 is the client side of SCRAM-SHA-256 (RFC 5802, RFC 7677),
// as sarama asks for one, without channel binding or SASLprep (the test's
// names and passwords are ASCII).
type scramSHA256 struct {
	name, password, nonce, clientFirstBare string
	serverSignature                        []byte
	step                                   int
}

func (s *scramSHA256) Begin(name, password, _ string) error {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	s.name, s.password, s.nonce = name, password, base64.RawStdEncoding.EncodeToString(b)
	return nil
}

func (s *scramSHA256) Step(challenge string) (string, error) {
	s.step++
	switch s.step {
	case 1:
		s.clientFirstBare = "n=" + s.name + ",r=" + s.nonce
		return "n,," + s.clientFirstBare, nil
	case 2:
		attrs := scramAttrs(challenge)
		salt, err := base64.StdEncoding.DecodeString(attrs["s"])
		if err != nil {
			return "", fmt.Errorf("server-first salt: %w", err)
		}
		iterations, err := strconv.Atoi(attrs["i"])
		if err != nil || !strings.HasPrefix(attrs["r"], s.nonce) {
			return "", fmt.Errorf("server-first message %q", challenge)
		}
		salted, err := pbkdf2.Key(sha256.New, s.password, salt, iterations, sha256.Size)
		if err != nil {
			return "", err
		}
		clientKey := hmacOf(sha256.New, salted, "Client Key")
		stored := sha256.Sum256(clientKey)
		withoutProof := "c=biws,r=" + attrs["r"]
		authMessage := s.clientFirstBare + "," + challenge + "," + withoutProof
		proof := hmacOf(sha256.New, stored[:], authMessage)
		for i := range proof {
			proof[i] ^= clientKey[i]
		}
		s.serverSignature = hmacOf(sha256.New, hmacOf(sha256.New, salted, "Server Key"), authMessage)
		return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof), nil
	default:
		attrs := scramAttrs(challenge)
		if e, ok := attrs["e"]; ok {
			return "", fmt.Errorf("server-final error %q", e)
		}
		v, err := base64.StdEncoding.DecodeString(attrs["v"])
		if err != nil || !hmac.Equal(v, s.serverSignature) {
			return "", fmt.Errorf("server-final signature %q does not match", attrs["v"])
		}
		return "", nil
	}
}

func (s *scramSHA256) Done() bool { return s.step >= 3 }

func scramAttrs(msg string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(msg, ",") {
		if k, v, ok := strings.Cut(part, "="); ok {
			out[k] = v
		}
	}
	return out
}

func hmacOf(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
