package proc

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// pidOffset is where siginfo_t holds si_pid, which unix.Siginfo leaves
// opaque: after si_signo, si_errno and si_code, at the alignment of the
// union that follows (a pointer's).
const pidOffset = (12 + unsafe.Sizeof(uintptr(0)) - 1) &^ (unsafe.Sizeof(uintptr(0)) - 1)

// exited returns a child that has ended, without reaping it, or 0 when
// none has. The child stays a zombie, so its pid, which is also its process
// group's id, cannot be given to another process until it is reaped.
func exited() (int, error) {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if err != nil {
		return 0, err
	}
	return int(*(*int32)(unsafe.Add(unsafe.Pointer(&info), pidOffset))), nil
}
