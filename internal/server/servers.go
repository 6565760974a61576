package server

// runner is one server as Servers drives it.
type runner interface {
	Run() error
	Stop()
	Killed() bool
}

// Servers runs the servers of one node together and owns the order in
// which they stop: Kafka first, and ZooKeeper only once the broker is
// reaped, so that the broker's controlled shutdown still has its
// ZooKeeper. The order is kept here rather than left to the order in
// which a run.Group interrupts its actors, which the group does not
// promise.
type Servers struct {
	inStopOrder []runner
}

// NewServers returns the servers of a node; either is nil when its role
// does not run it.
func NewServers(kafka *Kafka, zookeeper *ZooKeeper) *Servers {
	s := &Servers{}
	if kafka != nil {
		s.inStopOrder = append(s.inStopOrder, kafka)
	}
	if zookeeper != nil {
		s.inStopOrder = append(s.inStopOrder, zookeeper)
	}
	return s
}

// Run runs every server until one of them ends, stops the others in
// order, and returns once all have ended, with the result of the first to
// end: nil after a Stop, else how it failed.
func (s *Servers) Run() error {
	if len(s.inStopOrder) == 0 {
		return nil
	}
	results := make(chan error, len(s.inStopOrder))
	for _, r := range s.inStopOrder {
		go func() { results <- r.Run() }()
	}
	first := <-results
	s.Stop()
	for range len(s.inStopOrder) - 1 {
		<-results
	}
	return first
}

// Stop stops the servers one after the other, Kafka then ZooKeeper, each
// stop returning once its child is reaped. It may be called more than
// once, and at the same time as Run's own: every call returns once all
// are stopped.
func (s *Servers) Stop() {
	for _, r := range s.inStopOrder {
		r.Stop()
	}
}

// Killed reports whether stopping a server needed SIGKILL.
func (s *Servers) Killed() bool {
	killed := false
	for _, r := range s.inStopOrder {
		killed = killed || r.Killed()
	}
	return killed
}
