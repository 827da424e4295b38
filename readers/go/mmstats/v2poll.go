package mmstats

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
)

// v2FixedHeader are the header bytes a writer never changes after it
// publishes the file: everything but state, heartbeat_unix_ns, slots_used,
// field_count and overflow_count. When they change, the path names another file.
var v2FixedHeader = [][2]int{{0, h2State}, {h2Pid, h2HeartbeatUnixNs}, {h2HeartbeatInterval, h2SlotsUsed}}

// PollerV2 polls one version 2 file. Entries are parsed once: each poll walks
// only the entries published since the last one (field_count grew), from a
// cursor, and reads the values with the copy protocol. The file is parsed
// afresh only when the path names another file (device, inode, size), the
// header's fixed part changed or field_count went down (a rewrite in place).
type PollerV2 struct {
	Path    string
	MaxSize int64
	file    *os.File
	info    os.FileInfo
	header  []byte // the fixed header bytes of the loaded file, one range after the other
	scan    *v2Scan
	a, b, c []byte // the three copies of one poll
	used    usedRanges
}

// usedRanges are the bytes a poll copies besides the slots in use: the
// header, the published entries and the process area's values (spec/v2.md,
// "Readers that copy the file": a copying reader MAY copy only these).
type usedRanges struct {
	parsed            int      // the scan's entry count they were made for; -1 when stale
	spans             [][2]int // [start, end) offsets, sorted and merged
	slotsAt, slotSize int
	slotCount         int
	spanBytes         int // the spans' bytes
}

// usedWorth: a poll copies only the used bytes when that leaves out at least
// this many bytes of each copy; below it, the three or four reads a copy then
// takes cost more than the bytes they save (a one-page file polled twice as slowly).
const usedWorth = 32 << 10

// NewPollerV2 returns a poller of path; nothing is opened until Read.
func NewPollerV2(path string, maxSize int64) *PollerV2 {
	return &PollerV2{Path: path, MaxSize: maxSize}
}

// Read returns the file's current header and fields. The result is the
// caller's; the poller keeps only the parsed entries.
func (p *PollerV2) Read() (*FileV2, error) {
	st, err := os.Stat(p.Path)
	if err != nil {
		p.Close()
		return nil, ioError(p.Path, "stat", err)
	}
	if p.info == nil || !os.SameFile(p.info, st) || st.Size() != int64(len(p.a)) {
		if err := p.load(); err != nil {
			return nil, err
		}
		return p.finish()
	}
	if f, ok := p.readUsed(); ok {
		return f, nil
	}
	if err := p.copyInto(p.a); err != nil {
		return nil, err
	}
	return p.finish()
}

// finish is the whole-file poll once copy A is in p.a: it parses afresh or
// walks new entries as needed, then makes copies B and C of the whole file.
func (p *PollerV2) finish() (*FileV2, error) {
	if !p.sameFixedHeader() || get32(p.a, h2FieldCount) < p.scan.parsed {
		if err := p.load(); err != nil { // rewritten in place: the walk names any problem
			return nil, err
		}
	}
	if err := p.update(); err != nil {
		p.info = nil
		return nil, err
	}
	if err := p.copyInto(p.b); err != nil {
		return nil, err
	}
	if err := p.copyInto(p.c); err != nil {
		return nil, err
	}
	if used := get32(p.b, h2SlotsUsed); used >= 1 && used <= get32(p.b, h2SlotCount) {
		p.scan.slotsUsed = used // only grows; copy B holds every slot it names
	}
	settleV2(p.file, p.scan, p.a, p.b, p.c)
	return v2Fields(p.scan, p.a, p.b, p.c), nil
}

// readUsed polls a file whose entries are parsed by copying only the used
// bytes: copy A, then B, then C, each the used ranges and the slots in use.
// Bytes outside keep stale contents; nothing decodes them. It reports false,
// having decoded nothing, when the whole-file poll must take over: a short
// read or a file of another size, slots_used out of range or grown past the
// slots copy A holds, a changed fixed header or field_count, a bad state.
func (p *PollerV2) readUsed() (*FileV2, bool) {
	if p.used.parsed != p.scan.parsed {
		p.used = p.usedRanges()
	}
	if len(p.a)-p.used.spanBytes-p.scan.slotsUsed*p.used.slotSize < usedWorth {
		return nil, false
	}
	nA, ok := p.copyUsed(p.a, -1)
	if !ok || !p.sameFixedHeader() || get32(p.a, h2FieldCount) != p.scan.parsed {
		return nil, false
	}
	if err := p.update(); err != nil { // count unchanged: only the header words
		return nil, false
	}
	nB, ok := p.copyUsed(p.b, -1)
	if !ok || nB > nA { // copy A lacks a slot now taking part
		return nil, false
	}
	if _, ok := p.copyUsed(p.c, nB); !ok {
		return nil, false
	}
	p.scan.slotsUsed = nB
	settleV2(p.file, p.scan, p.a, p.b, p.c)
	return v2Fields(p.scan, p.a, p.b, p.c), true
}

// usedRanges derives the used ranges from the parsed entries.
func (p *PollerV2) usedRanges() usedRanges {
	u := usedRanges{parsed: p.scan.parsed, slotsAt: get32(p.a, h2SlotsOffset),
		slotSize: get32(p.a, h2SlotSize), slotCount: get32(p.a, h2SlotCount)}
	spans := [][2]int{{0, p.scan.next}} // the header and the published entries
	for i := range p.scan.fields {
		if l := &p.scan.fields[i]; l.stride == 0 {
			spans = append(spans, [2]int{l.at, l.at + l.size})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	for _, r := range spans {
		if n := len(u.spans); n > 0 && r[0] <= u.spans[n-1][1]+usedGap {
			u.spans[n-1][1] = max(u.spans[n-1][1], r[1])
		} else {
			u.spans = append(u.spans, r)
		}
	}
	for _, r := range u.spans {
		u.spanBytes += r[1] - r[0]
	}
	return u
}

// usedGap: ranges this close are copied as one, saving a read.
const usedGap = 64

// copyUsed copies the used ranges into buf at their own offsets, then slots 0
// to n-1 (n < 0: slots_used of the header just copied), then the file's last
// byte to see the file did not shrink. It returns n; false on any short read
// or an n out of range.
func (p *PollerV2) copyUsed(buf []byte, n int) (int, bool) {
	u := &p.used
	for _, r := range u.spans {
		if r[1] > len(buf) {
			return 0, false
		}
		if k, _ := p.file.ReadAt(buf[r[0]:r[1]], int64(r[0])); k != r[1]-r[0] {
			return 0, false
		}
	}
	if n < 0 {
		n = get32(buf, h2SlotsUsed)
	}
	at, end := u.slotsAt, u.slotsAt+n*u.slotSize
	if n < 1 || n > u.slotCount || end > len(buf) {
		return 0, false
	}
	if k, _ := p.file.ReadAt(buf[at:end], int64(at)); k != end-at {
		return 0, false
	}
	last := len(buf) - 1
	if k, _ := p.file.ReadAt(buf[last:], int64(last)); k != 1 {
		return 0, false
	}
	return n, true
}

// publishedState names the state a poll finds in a file it has already
// published (parsed): ready or closed; creating again, or an unknown state, is
// an error. Both pollers use it.
func publishedState(path string, state uint32) (string, error) {
	name, ok := v2StateNames[state]
	if state == v2StateCreating {
		return "", &FormatError{Code: CodeNotReady, Offset: h2State, Path: path,
			Message: "state went back to 0 (creating)"}
	}
	if !ok {
		return "", &FormatError{Code: CodeBadState, Offset: h2State, Path: path,
			Message: fmt.Sprintf("state changed to %d after the file was published", state)}
	}
	return name, nil
}

// update takes the header words that change from copy A and walks the
// entries published since the last poll.
func (p *PollerV2) update() error {
	s, a := p.scan, p.a
	state := uint32(get32(a, h2State))
	name, err := publishedState(p.Path, state)
	if err != nil {
		return err
	}
	s.state, s.header.State = state, name
	s.header.HeartbeatUnixNs = get64(a, h2HeartbeatUnixNs)
	s.header.OverflowCount = uint32(get32(a, h2OverflowCount))
	count := get32(a, h2FieldCount) // never below s.parsed: Read parses a file whose count went down afresh
	if count == s.parsed {
		return nil
	}
	sc := &scanState{walkOrdered: true}
	fields, next := v2Entries(a, sc, s.next, count-s.parsed)
	if len(sc.errs) > 0 {
		return sc.errs[0].WithPath(p.Path)
	}
	s.fields = append(s.fields, fields...)
	s.parsed, s.next = count, next
	return nil
}

// load opens the path and walks the whole file (copy A of this poll).
func (p *PollerV2) load() error {
	p.Close()
	f, st, err := openRegular(p.Path)
	if err != nil {
		return err
	}
	data, err := readAll(f, st.Size(), p.Path, p.MaxSize)
	if err != nil {
		f.Close()
		return err
	}
	sc := scan(data)
	if len(sc.errs) > 0 {
		f.Close()
		return sc.errs[0].WithPath(p.Path)
	}
	if sc.v2 == nil {
		f.Close()
		return &IOError{Path: p.Path, Err: fmt.Errorf("format version %d: PollerV2 reads version 2 only", data[0])}
	}
	p.file, p.info, p.scan, p.a = f, st, sc.v2, data
	p.used.parsed = -1
	p.b, p.c = make([]byte, len(data)), make([]byte, len(data))
	p.header = p.header[:0]
	for _, r := range v2FixedHeader {
		p.header = append(p.header, data[r[0]:r[1]]...)
	}
	return nil
}

func (p *PollerV2) sameFixedHeader() bool {
	at := 0
	for _, r := range v2FixedHeader {
		n := r[1] - r[0]
		if !bytes.Equal(p.a[r[0]:r[1]], p.header[at:at+n]) {
			return false
		}
		at += n
	}
	return true
}

// copyInto reads the whole file into buf, one copy of the protocol.
func (p *PollerV2) copyInto(buf []byte) error {
	n, err := p.file.ReadAt(buf, 0)
	if n == len(buf) {
		return nil
	}
	p.info = nil // shrank under us: parse afresh next time
	if err != nil && err != io.EOF {
		return ioError(p.Path, "read", err)
	}
	return &FormatError{Code: CodeBadFileSize, Offset: int64(n), Path: p.Path,
		Message: fmt.Sprintf("file shrank to %d bytes while being read", n)}
}

// Close releases the open file; the next Read opens the path again.
func (p *PollerV2) Close() error {
	p.info = nil
	if p.file == nil {
		return nil
	}
	err := p.file.Close()
	p.file = nil
	return err
}
