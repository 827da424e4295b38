package mmstats

import (
	"sync/atomic"
	"unsafe"
)

// This file holds the package's pointer arithmetic on the mapping (and atomicbyte.go the
// version 1 byte cell). Every version 2 word is 8-byte aligned: the mapping starts on a page
// and every offset is a multiple of 8 (spec "Conventions"), which sync/atomic requires and
// which makes an ordinary 64-bit load or store single-copy atomic.

// word is the aligned 8-byte word at base+off. base is the start of a mapping that stays
// mapped for the life of the process (Close replaces the file's pages with private ones; see
// remapPrivate), so the pointer never dangles.
func word(base unsafe.Pointer, off int) *uint64 {
	return (*uint64)(unsafe.Add(base, off))
}

// word32 is the aligned 4-byte header word at base+off.
func word32(base unsafe.Pointer, off int) *uint32 {
	return (*uint32)(unsafe.Add(base, off))
}

// bytesAt is n bytes of the mapping from base+off (string text).
func bytesAt(base unsafe.Pointer, off, n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(base, off)), n)
}

// storeRelease is the spec's release store of an 8-byte word (sync/atomic stores are
// sequentially consistent, which is stronger).
func storeRelease(p *uint64, v uint64) { atomic.StoreUint64(p, v) }

// storeRelease32 is the release store of a 4-byte header word (state, slots_used, field_count).
func storeRelease32(p *uint32, v uint32) { atomic.StoreUint32(p, v) }
