//go:build !linux

package proc

import "errors"

func becomeSubreaper() error {
	return errors.New("child subreapers exist on Linux only")
}
