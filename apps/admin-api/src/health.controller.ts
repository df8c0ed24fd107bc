import { Controller, Get, Inject } from '@nestjs/common';
import { requestJson, type Bus } from '@strom/bus';
import { MetadataSubjects } from '@strom/contracts';
import { BUS } from '@strom/runtime';

/** Liveness and readiness for load balancers and orchestrators. */
@Controller()
export class HealthController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when the metadata service answers over the bus. */
  @Get('ready')
  async ready(): Promise<{ status: 'ready'; metadataVersion: string }> {
    const { version } = await requestJson<{ version: string }>(this.bus, MetadataSubjects.version, {}, { timeoutMs: 2000 });
    return { status: 'ready', metadataVersion: version };
  }
}
