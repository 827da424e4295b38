//go:build race

package mmstats

const raceEnabled = true
