package mmstats

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// DefaultMode is the permission of a new file, before the umask (spec "Exclusive creation").
const DefaultMode fs.FileMode = 0o644

// Options says how and where Create makes a file. The zero value is the spec's default.
type Options struct {
	// Path of the file. Empty: DefaultPath ($MMSTATS_PATH, $MMSTATS_FILES).
	Path string
	// Mode of the file, filtered by the umask. 0: DefaultMode.
	Mode fs.FileMode
	// Prefix goes before every label, the default fields' included ("web.stats." gives
	// "web.stats.sys.pid"), as 0.8's label_prefix did.
	Prefix string
	// NoDefaults leaves out the default fields of version 1 (sys.pid, sys.tid, ...). Version 2
	// has none: the header holds the process's identity.
	NoDefaults bool
	// KeepStale: when the path exists, fail instead of replacing a provably stale file.
	KeepStale bool
	// Version of the format. 0: DefaultVersion (V2).
	Version Version

	// Version 2 only.

	// Keep the file when it is closed (its final values stay readable); by default Close
	// removes it.
	Keep bool
	// Capacities, fixed for the life of the file (0: the Default* constants). Pages never
	// touched cost nothing on tmpfs, so they can be generous. MetaCapacity, ProcessCapacity and
	// SlotSize are multiples of 8.
	MetaCapacity, ProcessCapacity, SlotSize, SlotCount int
	// HeartbeatInterval is the heartbeat the writer promises (0: none). The program then calls
	// Stats.Heartbeat at least this often; readers call a file whose heartbeat is older than
	// three intervals stale.
	HeartbeatInterval time.Duration
}

// Stats is one published file. Every method is safe for concurrent use.
type Stats struct {
	path     string
	dev, ino uint64 // the file Create made: Remove deletes nothing else
	size     int

	v2 *v2File // the version 2 writer; nil for a version 1 file

	// Version 1: the layout is fixed, the fields are updated through their handles.
	mu      sync.Mutex // guards mapping and fields against Close
	mapping []byte
	fields  []*field
}

// Create creates the file exclusively and publishes it; an existing file is never
// overwritten, and nothing is left behind on error.
//
// Version 2 (the default): the file starts without fields; the methods Counter, Gauge,
// Histogram, ... add them at any time. fields must be empty.
//
// Version 1 (Options.Version = V1): Create lays out fields (then, unless Options.NoDefaults,
// the default fields). The handles among fields then update the file; values they were given
// before Create are the initial values. A handle belongs to one open file at a time.
func Create(opts Options, fields ...Field) (*Stats, error) {
	f, err := formatFor(opts.Version)
	if err != nil {
		return nil, err
	}
	proc := currentProcess()
	path := opts.Path
	if path == "" {
		path = defaultPath(f, proc)
	}
	if opts.Mode == 0 {
		opts.Mode = DefaultMode
	}
	return f.create(opts, path, proc, fields)
}

// create is Create for version 1.
func (c v1Codec) create(opts Options, path string, proc processInfo, fields []Field) (*Stats, error) {
	mode := opts.Mode
	creating.Lock() // two Creates sharing fields would otherwise lock them in different orders
	defer creating.Unlock()
	own, err := lockFields(fields)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, f := range own {
			f.mu.Unlock()
		}
	}()
	decls, err := declarations(own, opts.Prefix)
	if err != nil {
		return nil, err
	}
	if !opts.NoDefaults {
		for _, d := range c.defaults(proc) {
			d.label = opts.Prefix + d.label
			decls = append(decls, d)
		}
	}
	if err := uniqueLabels(decls); err != nil {
		return nil, err
	}
	image, cells, err := c.build(decls)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot create: %w", path, err)
	}

	m, dev, ino, err := createMapped(path, mode, image, !opts.KeepStale, c)
	if err != nil {
		return nil, err
	}
	c.publish(m)

	s := &Stats{path: path, dev: dev, ino: ino, size: len(m), mapping: m, fields: own}
	for i, f := range own {
		f.slot = c.bind(m, cells[i])
		f.owner = s
	}
	return s, nil
}

// creating serialises Create: it is rare, and it locks many fields at once.
var creating sync.Mutex

// lockFields takes each field's mutex (so no update races the snapshot of its initial value)
// and refuses a field given twice or open in another file.
func lockFields(fields []Field) ([]*field, error) {
	own := make([]*field, 0, len(fields))
	seen := make(map[*field]bool, len(fields))
	for _, fl := range fields {
		f := fl.base()
		if seen[f] {
			continue // one declaration, however often it is passed
		}
		seen[f] = true
		f.mu.Lock()
		if f.owner != nil {
			f.mu.Unlock()
			for _, g := range own {
				g.mu.Unlock()
			}
			return nil, fmt.Errorf("%w: %q is in %s", ErrFieldInUse, f.label, f.owner.path)
		}
		own = append(own, f)
	}
	return own, nil
}

func declarations(fields []*field, prefix string) ([]decl, error) {
	decls := make([]decl, 0, len(fields)+6)
	for _, f := range fields {
		if f.typ.Size < 0 {
			return nil, fmt.Errorf("field %q: negative size %d", f.label, f.typ.Size)
		}
		decls = append(decls, decl{label: prefix + f.label, typ: f.typ, buffered: f.buffered, bits: f.bits, text: f.text})
	}
	return decls, nil
}

// uniqueLabels: the format allows a label twice, but a reader picking among duplicates is
// implementation-defined, so this writer refuses them.
func uniqueLabels(decls []decl) error {
	seen := make(map[string]bool, len(decls))
	for _, d := range decls {
		if seen[d.label] {
			return fmt.Errorf("%w: %q", ErrDuplicateLabel, d.label)
		}
		seen[d.label] = true
	}
	return nil
}

// Path is where the file is.
func (s *Stats) Path() string { return s.path }

// Size is the file size in bytes (a multiple of 4096).
func (s *Stats) Size() int { return s.size }

// Close ends the file's life.
//
// Version 2: the state becomes closed (the values are final), the file is removed unless
// Options.Keep, and the lock is released last. Handles and slots stay usable; their updates go
// to private memory.
//
// Version 1: Close unbinds every handle, then unmaps the file and keeps it: readers still see
// the last values. Handles stay usable; their updates no longer reach any file.
func (s *Stats) Close() error {
	if s.v2 != nil {
		return s.v2.close(!s.v2.keep)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mapping == nil {
		return ErrClosed
	}
	for _, f := range s.fields {
		f.mu.Lock()
		f.slot, f.owner = nil, nil
		f.mu.Unlock()
	}
	err := unmap(s.mapping)
	s.mapping = nil
	if err != nil {
		return fmt.Errorf("%s: munmap: %w", s.path, err)
	}
	return nil
}

// Remove deletes the file, if the path still names the file Create made (same device and
// inode), then closes it (Options.Keep notwithstanding). A path that now names another file is
// left alone: ErrNotOurFile.
func (s *Stats) Remove() error {
	if s.v2 != nil {
		return s.v2.close(true)
	}
	s.mu.Lock()
	open := s.mapping != nil
	s.mu.Unlock()
	if !open {
		return ErrClosed
	}
	removeErr := removeIfSame(s.path, s.dev, s.ino)
	if err := s.Close(); err != nil && removeErr == nil {
		return err
	}
	return removeErr
}

// removeIfSame unlinks path only when it names the file (dev, ino).
func removeIfSame(path string, dev, ino uint64) error {
	d, i, err := identity(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w (it is gone)", path, ErrNotOurFile)
	}
	if err != nil {
		return err
	}
	if d != dev || i != ino {
		return fmt.Errorf("%s: %w (device %d inode %d, ours was %d/%d)", path, ErrNotOurFile, d, i, dev, ino)
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	return nil
}
