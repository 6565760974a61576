package health

// The phases of a KRaft node's start, in order, instead of the ZooKeeper
// ones: its storage formatted (a first start only), then, for a node with
// a broker, the controller quorum electing a leader and the broker
// registered, unfenced and listed in metadata, which the broker's answer
// shows at once; for a controller apart, its quorum electing a leader and
// the controller catching up with it.
const (
	FormattingStorage Phase = "formatting storage"
	WaitingKRaft      Phase = "waiting for kraft quorum and broker"
	WaitingLeader     Phase = "waiting for the kraft quorum leader"
)
