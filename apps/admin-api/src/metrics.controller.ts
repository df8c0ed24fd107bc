import { Controller, Get, Header, Inject, StreamableFile } from '@nestjs/common';
import { EXPOSITION_CONTENT_TYPE, METRICS, type MetricsRegistry } from '@strom/runtime';

/**
 * The process's metrics in Prometheus's text format: in embedded mode every module's (broker,
 * metadata, coordinator, the bus, Node), in distributed mode the admin API process's own.
 */
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: MetricsRegistry) {}

  @Get('metrics')
  @Header('cache-control', 'no-store')
  async scrape(): Promise<StreamableFile> {
    return new StreamableFile(await this.metrics.scrape(), { type: EXPOSITION_CONTENT_TYPE });
  }
}
