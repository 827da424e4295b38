//go:build !race

package mmstats

const raceEnabled = false
