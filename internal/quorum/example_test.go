package quorum_test

import (
	"fmt"

	"github.com/kafka-on-kubernetes/supervisor/internal/quorum"
)

func ExampleParse() {
	for _, reply := range []string{
		"Zookeeper version: 3.8.4-9316c2a7, built on 2024-02-12 22:16 UTC\nZxid: 0x100000003\nMode: follower\nNode count: 31\n",
		"This ZooKeeper instance is not currently serving requests\n",
	} {
		mode, err := quorum.Parse([]byte(reply))
		fmt.Printf("%s: in quorum %v (%v)\n", mode, mode.InQuorum(), err)
	}
	// Output:
	// follower: in quorum true (<nil>)
	// not serving: in quorum false (<nil>)
}
