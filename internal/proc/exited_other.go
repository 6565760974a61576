//go:build !linux

package proc

import "errors"

// exited cannot look at a child without reaping it outside Linux; the
// Reaper then reaps blindly and cannot signal a group before its leader's
// pid is released.
func exited() (int, error) { return 0, errors.ErrUnsupported }
