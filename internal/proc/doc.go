// Package proc starts the supervisor's children and is the only code that
// reaps them, so that an exit status is never lost to a second waiter.
//
// # Reaping
//
// One goroutine (Reaper.Run) owns every wait of the process: it reaps each
// child and every process re-parented to it (orphans are logged at debug
// level, "reaped orphan: pid=… status=…"), and hands each child's status to
// the Child that started it. A child is registered under the same lock as
// its start, so one that exits at once is never missed. When the
// supervisor is not PID 1 (docker run --init, tests) it makes itself a
// child subreaper, or warns that it cannot.
//
// A child's exit is looked at before it is reaped (waitid with WNOWAIT):
// while the child is a zombie its pid, which is its process group's id,
// belongs to no one else, so whatever it left in its group is killed then,
// and a signal is never sent to a group whose id was reused. Once both
// servers are stopped, KillRemaining kills any process still there (one
// that left their groups), and the supervisor counts it in "exit: left=".
//
// # Children
//
// Each child runs in a process group of its own, and signals go to the
// group, so that a launcher script cannot leave its JVM behind. Stop sends
// SIGTERM, then SIGKILL after the grace. Each line a child prints is relayed
// through the logger its Spec names.
//
// Measured as PID 1 with both servers ready (TestChildKilledAsPID1,
// TestRestartOnFailure in the supervisor's tests; go test -v logs the
// figure): a SIGKILLed child is acted on 8–50 ms after the test sends the
// kill, including the start of the nsenter that sends it.
package proc
