//go:build !(amd64 || arm64 || ppc64 || ppc64le || riscv64 || s390x || loong64 || mips64 || mips64le)

package mmstats

import "sync/atomic"

// On 32-bit CPUs an ordinary 64-bit access is two instructions and could be read torn, so the
// relaxed accesses are sync/atomic ones (correct everywhere, slower).

func addRelaxed(p *uint64, n uint64)   { atomic.StoreUint64(p, atomic.LoadUint64(p)+n) }
func loadRelaxed(p *uint64) uint64     { return atomic.LoadUint64(p) }
func storeRelaxed(p *uint64, v uint64) { atomic.StoreUint64(p, v) }
