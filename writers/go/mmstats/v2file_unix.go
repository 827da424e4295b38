//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package mmstats

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"unsafe"
)

// createV2File is spec "Creating a file", steps 2 to 6: a temporary name that does not end in
// .mmstats, opened O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC; flock(LOCK_EX), held until close;
// sized and allocated; mapped shared; the header written with state 0; then published under
// path. The caller writes the fields and stores state 1.
//
// The final name is given with link() and the temporary one removed, rather than rename():
// link never replaces a file, so a file that appears at path meanwhile is never overwritten.
// Where the file system has no hard links, rename() follows a check that path is free.
func createV2File(path string, mode fs.FileMode, g v2Geometry, hdr []byte, replaceStale bool) (*v2File, error) {
	tmp := fmt.Sprintf("%s.%d.creating", path, os.Getpid())
	fd, err := openExclusive(tmp, mode)
	if errors.Is(err, syscall.EEXIST) && removeStale(tmp) == nil {
		// left by a process that died while creating it and had our pid
		fd, err = openExclusive(tmp, mode)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: cannot create: open %s: %w", path, tmp, err)
	}
	fail := func(step string, err error) (*v2File, error) {
		os.Remove(tmp)
		syscall.Close(fd)
		return nil, fmt.Errorf("%s: cannot create: %s: %w", path, step, err)
	}
	if err := flock(fd, syscall.LOCK_EX); err != nil {
		return fail("flock", err)
	}
	if err := syscall.Ftruncate(fd, int64(g.size)); err != nil {
		return fail("ftruncate", err)
	}
	if err := allocate(fd, g.size); err != nil {
		return fail("allocate (is the file system full?)", err)
	}
	m, err := syscall.Mmap(fd, 0, g.size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return fail("mmap", err)
	}
	copy(m, hdr)
	if err := publishName(tmp, path, replaceStale); err != nil {
		syscall.Munmap(m)
		return fail("publish", err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Munmap(m)
		os.Remove(path) // ours: the lock is still held
		syscall.Close(fd)
		return nil, fmt.Errorf("%s: cannot create: fstat: %w", path, err)
	}
	return &v2File{path: path, fd: fd, dev: uint64(st.Dev), ino: uint64(st.Ino), m: m,
		base: unsafe.Pointer(unsafe.SliceData(m)), g: g}, nil
}

// publishName gives the temporary file its final name without replacing anything; a provably
// stale file in the way is removed first when replaceStale is set.
func publishName(tmp, path string, replaceStale bool) error {
	err := os.Link(tmp, path)
	if errors.Is(err, fs.ErrExist) && replaceStale {
		if why := removeStale(path); why != nil {
			return fmt.Errorf("%w: %v", ErrExists, why)
		}
		err = os.Link(tmp, path)
	}
	switch {
	case err == nil:
		return os.Remove(tmp)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%w: a writer never reuses an existing file", ErrExists)
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.ENOTSUP), errors.Is(err, syscall.EOPNOTSUPP):
		// No hard links here: check, then rename (a file made between the two is replaced).
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%w: a writer never reuses an existing file", ErrExists)
		}
		return os.Rename(tmp, path)
	}
	return err
}

// removeStale removes path when it is provably the file of a writer that is gone, and says why
// not otherwise. A version 2 file: a regular file of our euid whose lock nobody holds (its
// writer exited or died: spec "Liveness", the cleaner's rule: unlinked while we hold its lock,
// if the path still names it). Anything else: version 1's rule (its sys.pid is dead).
func removeStale(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("cannot inspect it: %v", err)
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("cannot inspect it: %v", err)
	}
	first := make([]byte, 1)
	if n, _ := f.ReadAt(first, 0); n != 1 || first[0] != v2FormatVersion {
		dev, ino, why := staleIdentity(path)
		if why != nil {
			return why
		}
		return removeIfSame(path, dev, ino)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || int(st.Uid) != os.Geteuid() {
		return errors.New("it is not a regular file of ours")
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("its writer holds its lock (%v): it is live", err)
	}
	return removeIfSame(path, uint64(st.Dev), uint64(st.Ino))
}

func flock(fd, how int) error {
	for {
		if err := syscall.Flock(fd, how); err != syscall.EINTR {
			return err
		}
	}
}

// close is spec "Heartbeat and closing": state closed (release), the file removed if asked,
// the descriptor, and with it the lock, closed last. The file's pages are then replaced by
// private ones at the same address, so handles and slots that still update are harmless.
func (f *v2File) close(remove bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	f.closed = true
	storeRelease32(word32(f.base, hState), stateClosed)
	var err error
	if remove {
		err = removeIfSame(f.path, f.dev, f.ino)
	}
	if e := remapPrivate(f.m); e != nil && err == nil {
		err = fmt.Errorf("%s: %w", f.path, e)
	}
	if e := syscall.Close(f.fd); e != nil && err == nil {
		err = fmt.Errorf("%s: close: %w", f.path, e)
	}
	return err
}

// remapPrivate maps zeroed private pages over m, in place (MAP_FIXED replaces the mapping in
// one step, so no update ever finds the range unmapped). syscall.Mmap cannot place a mapping.
func remapPrivate(m []byte) error {
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	_, _, errno := syscall.Syscall6(syscall.SYS_MMAP, addr, uintptr(len(m)),
		syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_FIXED, ^uintptr(0), 0)
	if errno != 0 {
		return fmt.Errorf("mmap over the file's pages: %w", errno)
	}
	return nil
}
