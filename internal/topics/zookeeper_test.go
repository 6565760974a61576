package topics

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/IBM/sarama"
)

// TestChangeNote: the config change notification takes the format of the
// broker's version, as its AdminUtils writes it (see the package doc).
func TestChangeNote(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version sarama.KafkaVersion
		want    string
	}{
		{"0.8.2.1 a JSON string", sarama.V0_8_2_1, `"events.v1"`},
		{"0.8.2.0 a JSON string", sarama.V0_8_2_0, `"events.v1"`},
		{"0.9.0.1 an entity", sarama.V0_9_0_1, `{"version":1,"entity_type":"topics","entity_name":"events.v1"}`},
		{"0.10.0.1 an entity", sarama.V0_10_0_1, `{"version":1,"entity_type":"topics","entity_name":"events.v1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			note, err := changeNote(tc.version, "events.v1")
			if err != nil {
				t.Fatal(err)
			}
			// Compared as JSON values: Kafka's encoder orders a map's keys
			// its own way, and its parser does not care.
			var want, have any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(note, &have); err != nil {
				t.Fatalf("note %s: %v", note, err)
			}
			if !reflect.DeepEqual(want, have) {
				t.Errorf("want %s, have %s", tc.want, note)
			}
		})
	}
}
