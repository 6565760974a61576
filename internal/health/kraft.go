package health

// The phases of a KRaft node's start, in order, instead of the ZooKeeper
// ones: its storage formatted (a first start only), then the node's own
// controller quorum electing a leader and its broker registered, unfenced
// and listed in metadata, which the broker's answer shows at once.
const (
	FormattingStorage Phase = "formatting storage"
	WaitingKRaft      Phase = "waiting for kraft quorum and broker"
)
