import { Controller, Get, Inject } from '@nestjs/common';
import type { Bus } from '@strom/bus';
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
    const reply = await this.bus.request('strom.metadata.version', Buffer.alloc(0), { timeoutMs: 2000 });
    const { version } = JSON.parse(reply.toString('utf8')) as { version: string };
    return { status: 'ready', metadataVersion: version };
  }
}
