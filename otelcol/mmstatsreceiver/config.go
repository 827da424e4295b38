package mmstatsreceiver

import (
	"errors"
	"fmt"
	"path/filepath"

	"go.opentelemetry.io/collector/scraper/scraperhelper"
)

// Config is the receiver's configuration: which files to read and how often.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`

	// Directory holds the mmstats files (the writers' MMSTATS_PATH).
	Directory string `mapstructure:"directory"`
	// Glob selects files inside Directory (filepath.Match syntax, may name subdirectories).
	Glob string `mapstructure:"glob"`
}

// defaultGlob matches the writers' default file names, {CMD}-{PID}-{TID}.mmstats.
const defaultGlob = "*.mmstats"

// Validate reports a configuration that cannot select any file (the embedded
// ControllerConfig checks the interval).
func (c *Config) Validate() error {
	var errs []error
	if c.Directory == "" {
		errs = append(errs, errors.New("directory must be set"))
	}
	if c.Glob == "" {
		errs = append(errs, errors.New("glob must not be empty"))
	} else if _, err := filepath.Match(c.Glob, ""); err != nil {
		errs = append(errs, fmt.Errorf("glob %q: %w", c.Glob, err))
	}
	return errors.Join(errs...)
}
