//go:build amd64 || arm64 || ppc64 || ppc64le || riscv64 || s390x || loong64 || mips64 || mips64le

package mmstats

// The owner of a thread slot updates its copies with the spec's relaxed load and relaxed store.
// Go has no relaxed atomics: sync/atomic stores are sequentially consistent, an XCHG on amd64
// that costs as much as the read-modify-write the slot exists to avoid. On these 64-bit CPUs an
// ordinary aligned 8-byte load or store is one instruction and single-copy atomic, which is
// exactly what relaxed means, and the Go memory model promises that a racing word-sized read
// sees one whole write. The compiler neither splits these accesses nor moves them out of a
// loop. The mapping lies outside the Go heap, so the race detector does not watch it; slot.go
// gives it a stand-in to watch instead.

// addRelaxed adds n to *p: a load, an add, a store; no lock, no read-modify-write instruction.
func addRelaxed(p *uint64, n uint64) { *p += n }

// loadRelaxed and storeRelaxed are one 8-byte load and one 8-byte store.
func loadRelaxed(p *uint64) uint64     { return *p }
func storeRelaxed(p *uint64, v uint64) { *p = v }
