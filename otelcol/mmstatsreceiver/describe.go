package mmstatsreceiver

import (
	"strings"

	"mmstats.dev/readers/go/mmstats"
)

// Kind is what a field is to a metrics system. Version 1 files only give
// counters, gauges, strings and identity; the other kinds are the ones format
// version 2 declares in its metadata.
type Kind uint8

const (
	KindIdentity  Kind = iota + 1 // describes the writing process: a resource attribute, not a metric
	KindCounter                   // only goes up: a monotonic cumulative sum
	KindGauge                     // any value at any time
	KindUpDown                    // a running total that can go down: a non-monotonic cumulative sum
	KindConstant                  // set once: emitted as a gauge
	KindString                    // text: not a number, not emitted as a metric
	KindHistogram                 // buckets, sum and count: an OTel histogram
)

// Description is everything the receiver needs to emit one field.
type Description struct {
	Kind       Kind
	Unit       string              // UCUM, as OTel wants it; empty when unknown
	Help       string              // the metric's description
	Attributes []mmstats.Attribute // data point attributes
	Identity   identityRole        // which resource attribute, when Kind is KindIdentity
}

// describe maps one decoded version 1 field to what it is. Version 1
// carries no metadata, so its rules (spec/v1.md) decide from the label, the
// type and buffering; describeV2 takes a version 2 field's own.
func describe(f mmstats.Field) Description {
	if role := identityOf(f); role != roleNone {
		return Description{Kind: KindIdentity, Identity: role}
	}
	switch f.Value.Kind {
	case mmstats.KindString:
		return Description{Kind: KindString}
	case mmstats.KindUint:
		// spec/v1.md: a counter is a buffered unsigned 64-bit integer (0.8's CounterField).
		if f.Buffered && f.Type == "Q" {
			return Description{Kind: KindCounter}
		}
	}
	return Description{Kind: KindGauge}
}

// identityRole names a default field (spec/v1.md, "Default fields").
type identityRole uint8

const (
	roleNone identityRole = iota
	rolePID
	roleTID
	roleUID
	roleGID
	roleCreated
	roleRuntime
)

// defaultFields are the default labels; writers may put a prefix before them.
var defaultFields = []struct {
	label string
	kind  mmstats.Kind // the kinds of the spec's types, so a user field of the same name stays a metric
	alt   mmstats.Kind
	role  identityRole
}{
	{"sys.pid", mmstats.KindUint, mmstats.KindInt, rolePID},
	{"sys.tid", mmstats.KindInt, mmstats.KindUint, roleTID},
	{"sys.uid", mmstats.KindUint, mmstats.KindInt, roleUID},
	{"sys.gid", mmstats.KindUint, mmstats.KindInt, roleGID},
	{"sys.created", mmstats.KindFloat, mmstats.KindFloat, roleCreated},
}

func identityOf(f mmstats.Field) identityRole {
	for _, d := range defaultFields {
		if hasLabel(f.Label, d.label) && (f.Value.Kind == d.kind || f.Value.Kind == d.alt) {
			return d.role
		}
	}
	// the runtime's version text: org.python.version, or another runtime's reverse-DNS label
	if f.Value.Kind == mmstats.KindString && !f.Buffered && strings.HasSuffix(f.Label, ".version") &&
		(strings.HasPrefix(f.Label, "org.") || strings.HasPrefix(f.Label, "com.") || strings.Contains(f.Label, ".org.")) {
		return roleRuntime
	}
	return roleNone
}

// hasLabel reports whether label is name or ends in "."+name (a writer's label prefix).
func hasLabel(label, name string) bool {
	return label == name || strings.HasSuffix(label, "."+name)
}

// kindsV2 are the kinds of spec/v2.md by name, as the reader gives them.
var kindsV2 = map[string]Kind{
	"counter": KindCounter, "gauge": KindGauge, "updown_counter": KindUpDown,
	"constant": KindConstant, "string": KindString, "histogram": KindHistogram,
}

// describeV2 maps one decoded version 2 field to what it is: the file says
// it all. A kind this receiver does not know is 0, and is not emitted (the
// reader already skips kinds the format does not know).
func describeV2(f *mmstats.FieldV2) Description {
	return Description{Kind: kindsV2[f.Kind], Unit: f.Unit, Help: f.Help, Attributes: f.Attributes}
}
