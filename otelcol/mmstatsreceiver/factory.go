// Package mmstatsreceiver is an OpenTelemetry Collector receiver that reads
// mmstats files from a directory at every collection interval.
package mmstatsreceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"
)

// typeStr is the name of the receiver in a collector configuration.
var typeStr = component.MustNewType("mmstats")

// NewFactory returns the factory of the mmstats receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(typeStr, createDefaultConfig,
		receiver.WithMetrics(createMetrics, component.StabilityLevelAlpha))
}

func createDefaultConfig() component.Config {
	cc := scraperhelper.NewDefaultControllerConfig()
	cc.CollectionInterval = 10 * time.Second
	return &Config{ControllerConfig: cc, Glob: defaultGlob}
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	c := cfg.(*Config)
	s := newFileScraper(c, set.Logger)
	sc, err := scraper.NewMetrics(s.scrape, scraper.WithShutdown(s.shutdown))
	if err != nil {
		return nil, err
	}
	return scraperhelper.NewMetricsController(&c.ControllerConfig, set, next,
		scraperhelper.AddMetricsScraper(typeStr, sc))
}
