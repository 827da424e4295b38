//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package mmstats

// allocate writes zeros: the portable way to reserve the blocks.
func allocate(fd, size int) error { return writeZeros(fd, size) }
