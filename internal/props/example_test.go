package props_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/kafka-on-kubernetes/supervisor/internal/props"
)

func Example() {
	f, err := props.Parse([]byte(`# The id of the broker.
broker.id=0

# The address the socket server listens on.
#listeners=PLAINTEXT://:9092
`))
	if err != nil {
		panic(err)
	}
	for _, kv := range []props.KV{
		{Key: "broker.id", Value: "3"},                        // replaced in place
		{Key: "listeners", Value: "PLAINTEXT://0.0.0.0:9092"}, // commented default uncommented
		{Key: "log.dirs", Value: `C:\kafka data`},             // appended, escaped
		{Key: "auto.create.topics.enable", Value: "false"},    // appended
	} {
		if err := f.Set(kv.Key, kv.Value); err != nil {
			panic(err)
		}
	}
	os.Stdout.Write(f.Bytes())
	dirs, _ := f.Get("log.dirs")
	fmt.Println(dirs)
	// Output:
	// # The id of the broker.
	// broker.id=3
	//
	// # The address the socket server listens on.
	// listeners=PLAINTEXT://0.0.0.0:9092
	// log.dirs=C:\\kafka data
	// auto.create.topics.enable=false
	// C:\kafka data
}

func ExampleFile_Set_unsafe() {
	f, _ := props.Parse([]byte("log.dirs=/tmp/kafka-logs\n"))
	err := f.Set("log.dirs", "/data\nbroker.id=7")
	fmt.Println(err)
	fmt.Println(errors.Is(err, props.ErrUnsafe))
	// Output:
	// property "log.dirs": value holds a newline
	// true
}
