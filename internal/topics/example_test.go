package topics_test

import (
	"fmt"

	"github.com/kafka-on-kubernetes/supervisor/internal/topics"
)

func ExampleParse() {
	specs, err := topics.Parse("kafka-on-kubernetes:1:1,events:3:1:compact")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range specs {
		fmt.Println(s)
	}
	_, err = topics.Parse("events:three:1")
	fmt.Println(err)
	// Output:
	// kafka-on-kubernetes:1:1
	// events:3:1:compact
	// bad topic spec: topic "events": partitions "three": want a whole number from 1
}
