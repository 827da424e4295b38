package mmstats

import (
	"fmt"
	"math/bits"
	"os"
	"runtime/debug"
	"sync/atomic"
	"unsafe"
)

// MappedPollerV2 polls one version 2 file through a read-only shared mapping
// of the whole file (spec/v2.md, "Readers that map the file"): every word is
// loaded from the writer's pages, with atomic loads (sequentially consistent
// in Go, so at least the acquire loads and the fence the protocol asks for).
// It gives what PollerV2 gives. Entries are copied to private memory before
// they are checked and parsed, once each: a poll walks only the entries
// published since the last one. Each poll compares the descriptor's size with
// the mapping (bad_file_size, with no load) and the path's device and inode
// with the mapped file's (another file is mapped and parsed afresh). A load
// that faults all the same (a file shrunk between that check and the load) is
// a bad_file_size error too, not a crash. A version 1 file is an error.
type MappedPollerV2 struct {
	Path    string
	MaxSize int64
	file    *os.File
	fd      uintptr
	id      fileID
	data    []byte // the mapping
	private []byte // the header, metadata region and process area as last copied: what the walk checks
	scan    *v2Scan
	text    []byte   // one copy of a string's text
	words   []uint64 // one copy of a histogram's sum and buckets
	walks   int      // whole-file walks
	walked  int      // entries walked, those of whole-file walks included
}

// NewMappedPollerV2 returns a poller of path; nothing is opened until Read.
func NewMappedPollerV2(path string, maxSize int64) *MappedPollerV2 {
	return &MappedPollerV2{Path: path, MaxSize: maxSize}
}

// Read returns the file's current header and fields. The result is the
// caller's; the poller keeps only the mapping and the parsed entries.
func (p *MappedPollerV2) Read() (*FileV2, error) { return p.guard(p.poll) }

// guard runs read with faults turned into panics, and those into an error.
func (p *MappedPollerV2) guard(read func() (*FileV2, error)) (f *FileV2, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer p.recoverFault(&err)
	return read()
}

// recoverFault turns a load from a page past the file's end into bad_file_size.
func (p *MappedPollerV2) recoverFault(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if _, fault := r.(interface{ Addr() uintptr }); !fault {
		panic(r)
	}
	size := int64(len(p.data))
	if p.file != nil {
		if now, _, serr := openedFile(p.fd); serr == nil {
			size = now
		}
	}
	p.unload()
	*err = &FormatError{Code: CodeBadFileSize, Offset: size, Path: p.Path,
		Message: fmt.Sprintf("a load from the mapping faulted: the file shrank to %d bytes while being read", size)}
}

func (p *MappedPollerV2) poll() (*FileV2, error) {
	if p.data != nil {
		if err := p.checkFile(); err != nil {
			return nil, err
		}
	}
	if p.data != nil {
		state, count := uint32(p.word32(h2State)), p.word32(h2FieldCount)
		if count < p.scan.parsed || !p.sameFixedHeader() {
			p.unload() // rewritten in place: the walk names any problem
		} else if err := p.update(state, count); err != nil {
			p.unload()
			return nil, err
		}
	}
	if p.data == nil {
		if err := p.load(); err != nil {
			return nil, err
		}
	}
	return p.values(), nil
}

// checkFile compares the descriptor's size with the mapping's, and unloads a
// file the path no longer names.
func (p *MappedPollerV2) checkFile() error {
	size, _, err := openedFile(p.fd)
	if err != nil {
		p.Close()
		return ioError(p.Path, "stat", err)
	}
	if size != int64(len(p.data)) {
		mapped := len(p.data)
		p.unload()
		return &FormatError{Code: CodeBadFileSize, Offset: size, Path: p.Path,
			Message: fmt.Sprintf("the file was %d bytes when mapped and is %d now", mapped, size)}
	}
	id, err := namedFile(p.Path)
	if err != nil {
		p.Close()
		return ioError(p.Path, "stat", err)
	}
	if id != p.id {
		p.unload()
	}
	return nil
}

// load maps the file the path names and walks a private copy of it whole.
func (p *MappedPollerV2) load() error {
	p.unload()
	f, st, err := openRegular(p.Path)
	if err != nil {
		return err
	}
	size := st.Size()
	if size > p.MaxSize {
		f.Close()
		return tooLarge(p.Path, size, p.MaxSize)
	}
	if size == 0 {
		f.Close()
		return scan(nil).errs[0].WithPath(p.Path) // nothing to map
	}
	fd := f.Fd()
	_, id, err := openedFile(fd)
	if err != nil {
		f.Close()
		return ioError(p.Path, "stat", err)
	}
	data, err := mapFile(fd, int(size))
	if err != nil {
		f.Close()
		return ioError(p.Path, "map", err)
	}
	p.file, p.fd, p.id, p.data = f, fd, id, data // unload releases them, after a fault too
	private := make([]byte, size)
	copyWords(private, data)
	sc := scan(private)
	if len(sc.errs) > 0 {
		p.unload()
		return sc.errs[0].WithPath(p.Path)
	}
	if sc.v2 == nil {
		p.unload()
		return &IOError{Path: p.Path, Err: fmt.Errorf("format version %d: MappedPollerV2 reads version 2 only", private[0])}
	}
	// Later walks need the header, the metadata region and the process area (strings' lengths).
	processEnd := get32(private, h2ProcessOffset) + get32(private, h2ProcessCapacity)
	p.private = append([]byte(nil), private[:processEnd]...)
	p.scan = sc.v2
	p.walks++
	p.walked += sc.v2.parsed
	return nil
}

// update takes the header words that change and walks the entries published
// since the last poll, copied first with the process area (whose string
// lengths the walk checks).
func (p *MappedPollerV2) update(state uint32, count int) error {
	s := p.scan
	name, err := publishedState(p.Path, state)
	if err != nil {
		return err
	}
	s.state, s.header.State = state, name
	s.header.HeartbeatUnixNs = p.word(h2HeartbeatUnixNs)
	s.header.OverflowCount = uint32(p.word32(h2OverflowCount))
	if count == s.parsed {
		return nil
	}
	metaEnd := get32(p.private, h2MetaOffset) + get32(p.private, h2MetaCapacity)
	processAt := get32(p.private, h2ProcessOffset)
	copyWords(p.private[s.next:metaEnd], p.data[s.next:metaEnd])
	copyWords(p.private[processAt:], p.data[processAt:len(p.private)])
	sc := &scanState{walkOrdered: true}
	fields, next := v2Entries(p.private, sc, s.next, count-s.parsed)
	p.walked += count - s.parsed
	if len(sc.errs) > 0 {
		return sc.errs[0].WithPath(p.Path)
	}
	s.fields = append(s.fields, fields...)
	s.parsed, s.next = count, next
	return nil
}

// sameFixedHeader: the header words a writer never changes are those of the walk.
func (p *MappedPollerV2) sameFixedHeader() bool {
	for _, r := range v2FixedHeader {
		for at := r[0]; at < r[1]; at += 4 {
			if p.word32(at) != get32(p.private, at) {
				return false
			}
		}
	}
	return true
}

// values reads every field's value from the mapping.
func (p *MappedPollerV2) values() *FileV2 {
	s := p.scan
	if used := p.word32(h2SlotsUsed); used >= 1 && used <= get32(p.private, h2SlotCount) {
		s.slotsUsed = used // only grows
	}
	out := &FileV2{Header: s.header, Fields: make([]FieldV2, len(s.fields))}
	for i := range s.fields {
		out.Fields[i] = p.value(&s.fields[i], s.slotsUsed)
	}
	return out
}

func (p *MappedPollerV2) value(l *v2Layout, slots int) FieldV2 {
	f := l.meta
	switch {
	case l.kind == kindHistogram:
		if h := p.histogram(l, slots); h != nil {
			f.Histogram = h
		} else {
			f.Null = true
		}
	case l.vtype == vtUTF8:
		if text, ok := p.text1(l); ok {
			f.Value = StringValue(DecodeUTF8(text))
		} else {
			f.Null = true
		}
	default:
		f.Value = v2Number(l, slots, p.word)
	}
	return f
}

// consistent runs payload (the copy's loads) between two loads of the
// sequence at at until both loads give the same even number, at most
// v2Retries times (once in a closed file, whose odd sequence never changes),
// yielding the processor after every v2YieldEvery attempts. The second load
// comes after the payload's: Go's atomic loads are sequentially consistent.
func (p *MappedPollerV2) consistent(at int, payload func()) bool {
	tries := v2Retries
	if p.scan.state == v2StateClosed {
		tries = 1
	}
	for attempt := 0; attempt < tries; attempt++ {
		if attempt > 0 && attempt%v2YieldEvery == 0 {
			v2Yield()
		}
		if s1 := p.word(at + v2Seq); s1%2 == 0 {
			payload()
			if p.word(at+v2Seq) == s1 {
				return true
			}
		}
	}
	return false
}

// text1 copies a string's text; false when no copy was consistent, or the
// consistent length exceeds the capacity.
func (p *MappedPollerV2) text1(l *v2Layout) ([]byte, bool) {
	capacity, length := l.size-v2ValueHeader, 0
	ok := p.consistent(l.at, func() {
		length = int(uint32(p.word(l.at + v2StringLength))) // the low half; the high half is reserved
		if length <= capacity {
			n := alignUp(length, v2Word)
			if cap(p.text) < n {
				p.text = make([]byte, n)
			}
			at := l.at + v2StringText
			copyWords(p.text[:n], p.data[at:at+n])
		}
	})
	if !ok || length > capacity {
		return nil, false
	}
	return p.text[:length], true
}

// histogram adds up a histogram's copies; nil when one of them had no consistent copy.
func (p *MappedPollerV2) histogram(l *v2Layout, slots int) *Histogram {
	h := newHistogram(l)
	n := (l.size - v2HistSum) / v2Word // the sum and the buckets
	if cap(p.words) < n {
		p.words = make([]uint64, n)
	}
	w := p.words[:n]
	for k := 0; k < slots; k++ {
		at := l.at + k*l.stride
		if !p.consistent(at, func() {
			for i := range w {
				w[i] = p.word(at + v2HistSum + v2Word*i)
			}
		}) {
			return nil
		}
		h.addCopy(k, func(off int) uint64 { return w[(off-v2HistSum)/v2Word] })
	}
	return h
}

// word is the little-endian u64 at off of the mapping, in one atomic load.
func (p *MappedPollerV2) word(off int) uint64 {
	b := p.data[off : off+v2Word]
	return fromLE64(atomic.LoadUint64((*uint64)(unsafe.Pointer(&b[0]))))
}

// word32 is the little-endian u32 at off of the mapping, in one atomic load.
func (p *MappedPollerV2) word32(off int) int {
	b := p.data[off : off+4]
	w := atomic.LoadUint32((*uint32)(unsafe.Pointer(&b[0])))
	if bigEndianHost {
		w = bits.ReverseBytes32(w)
	}
	return int(w)
}

// copyWords copies src (8-aligned in the mapping) to dst with one atomic load
// per 8-byte word, keeping the bytes as they are; a tail shorter than a word
// (only in a file whose size breaks the format) byte by byte.
func copyWords(dst, src []byte) {
	n := len(src) &^ (v2Word - 1)
	for i := 0; i < n; i += v2Word {
		w := atomic.LoadUint64((*uint64)(unsafe.Pointer(&src[i])))
		*(*uint64)(unsafe.Pointer(&dst[i])) = w
	}
	copy(dst[n:], src[n:])
}

var bigEndianHost = func() bool {
	one := uint16(1)
	return *(*byte)(unsafe.Pointer(&one)) == 0
}()

func fromLE64(w uint64) uint64 {
	if bigEndianHost {
		return bits.ReverseBytes64(w)
	}
	return w
}

// unload unmaps the file and closes it; the next Read maps the path again.
func (p *MappedPollerV2) unload() error {
	var err error
	if p.data != nil {
		err = unmapFile(p.data)
		p.data = nil
	}
	if p.file != nil {
		if cerr := p.file.Close(); err == nil {
			err = cerr
		}
		p.file = nil
	}
	p.private, p.scan = nil, nil
	return err
}

// Close unmaps and closes the file; the next Read maps the path again.
func (p *MappedPollerV2) Close() error { return p.unload() }
