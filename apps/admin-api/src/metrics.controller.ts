import { Controller, Get, Header, Inject } from '@nestjs/common';
import { EXPOSITION_CONTENT_TYPE, METRICS, type MetricsRegistry } from '@strom/runtime';

/**
 * The process's metrics in Prometheus's text format: in embedded mode every module's (broker,
 * metadata, coordinator, the bus, Node), in distributed mode the admin API process's own.
 */
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: MetricsRegistry) {}

  @Get('metrics')
  @Header('content-type', EXPOSITION_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
