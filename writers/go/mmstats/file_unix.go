//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package mmstats

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// createMapped is Creating a file, step 3, with Exclusive creation: open with
// O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC (never following a link, never reusing a file), write
// the unpublished image, map it shared. A provably stale file in the way is removed first when
// replaceStale is set, then creation is tried once more. On error a half-made file is removed.
func createMapped(path string, mode fs.FileMode, image []byte, replaceStale bool, c v1Codec) ([]byte, uint64, uint64, error) {
	fd, err := openExclusive(path, mode)
	if errors.Is(err, syscall.EEXIST) {
		if !replaceStale {
			return nil, 0, 0, fmt.Errorf("%s: cannot create: %w: a writer never reuses an existing file", path, ErrExists)
		}
		dev, ino, why := staleIdentity(path)
		if why != nil {
			return nil, 0, 0, fmt.Errorf("%s: cannot create: %w: %v", path, ErrExists, why)
		}
		if err := removeIfSame(path, dev, ino); err != nil {
			return nil, 0, 0, fmt.Errorf("%s: cannot remove the stale file: %w", path, err)
		}
		fd, err = openExclusive(path, mode)
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: cannot create: open: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close() // the mapping outlives the descriptor
	fail := func(step string, err error) ([]byte, uint64, uint64, error) {
		os.Remove(path) // ours: we just created it
		return nil, 0, 0, fmt.Errorf("%s: cannot create: %s: %w", path, step, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fail("fstat", err)
	}
	if _, err := f.Write(image); err != nil {
		return fail("write", err)
	}
	m, err := syscall.Mmap(fd, 0, len(image), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return fail("mmap", err)
	}
	return m, uint64(st.Dev), uint64(st.Ino), nil
}

func openExclusive(path string, mode fs.FileMode) (int, error) {
	flags := syscall.O_RDWR | syscall.O_CREAT | syscall.O_EXCL | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
	for {
		fd, err := syscall.Open(path, flags, uint32(mode.Perm()))
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

func unmap(m []byte) error { return syscall.Munmap(m) }

// identity is the (device, inode) that path names, without following a symbolic link.
func identity(path string) (uint64, uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return 0, 0, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	return uint64(st.Dev), uint64(st.Ino), nil
}

// staleIdentity returns the (device, inode) of path when it is provably a stale file of ours:
// a regular file owned by our effective uid, valid, whose sys.pid process is dead (spec
// "Exclusive creation", step 3). Otherwise it says why the file must be kept.
func staleIdentity(path string) (uint64, uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return 0, 0, fmt.Errorf("cannot inspect it: %v", err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return 0, 0, errors.New("it is not a regular file")
	}
	if me := os.Geteuid(); int(st.Uid) != me {
		return 0, 0, fmt.Errorf("it is owned by uid %d, not by us (%d)", st.Uid, me)
	}
	data, err := readSmall(path)
	if err != nil {
		return 0, 0, err
	}
	if len(data) == 0 {
		return 0, 0, errors.New("it is being created (empty)")
	}
	pid, err := v1Codec{}.stalePid(data) // its version byte 00 or unknown: v1's walk says which
	if err != nil {
		return 0, 0, err
	}
	if pid <= 0 {
		return 0, 0, errors.New("its sys.pid names no single process")
	}
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		return 0, 0, fmt.Errorf("its writer, process %d, may be alive", pid)
	}
	return uint64(st.Dev), uint64(st.Ino), nil
}

// readSmall reads a regular file of at most MaxFileSize bytes, without following a link and
// without blocking on a FIFO swapped in meanwhile.
func readSmall(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > MaxFileSize {
		return nil, errors.New("it is not a regular file of at most the size limit")
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil || len(data) > MaxFileSize {
		return nil, fmt.Errorf("cannot read it: %v", err)
	}
	return data, nil
}
