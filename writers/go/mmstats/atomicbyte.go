package mmstats

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// byteCell is one byte of a shared mapping, loaded and changed atomically. sync/atomic has no
// 8-bit operations, so it works on the aligned 32-bit word holding the byte: a load of the word,
// and AND/OR that change only this byte's bits, so the three neighbouring bytes (other record
// bytes, which other goroutines may be storing) are never rewritten. The operations are
// sequentially consistent: at least acquire (load) and release (and, or).
type byteCell struct {
	word  *uint32
	shift uint
}

// littleEndianHost: where a byte sits in its 32-bit word.
var littleEndianHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// newByteCell addresses m[off]; m must start at an address aligned to 4 (a mapping is
// page-aligned).
func newByteCell(m []byte, off int) byteCell {
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	if base%4 != 0 {
		panic("mmstats: mapping not aligned to 4 bytes")
	}
	shift := uint(off%4) * 8
	if !littleEndianHost {
		shift = 24 - shift
	}
	return byteCell{word: (*uint32)(unsafe.Pointer(&m[off&^3])), shift: shift}
}

func (b byteCell) load() uint8 { return uint8(atomic.LoadUint32(b.word) >> b.shift) }

// or sets bits in the byte.
func (b byteCell) or(bits uint8) { atomic.OrUint32(b.word, uint32(bits)<<b.shift) }

// andNot clears bits in the byte.
func (b byteCell) andNot(bits uint8) { atomic.AndUint32(b.word, ^(uint32(bits) << b.shift)) }
