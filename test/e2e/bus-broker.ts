import { requestJson, type Bus } from '@strom/bus';
import { MetadataSubjects, type RegisterBrokerReply } from '@strom/contracts';

const timeoutMs = 10_000;

/**
 * A broker as the metadata service sees one: it registers and heartbeats over NATS with the
 * metadata version it applied. `holdVersion()` makes it stop applying new versions (it keeps
 * heartbeating the one it had), as a broker that has not yet caught up with a failover.
 */
export class BusBroker {
  epoch = '0';
  private timer?: NodeJS.Timeout;
  private heldVersion?: string;
  private lastVersion = '0';

  constructor(
    private readonly bus: Bus,
    readonly id: number,
    private readonly leaseMs: number,
    private readonly heartbeatMs: number,
  ) {}

  async register(): Promise<void> {
    const reply = await requestJson<RegisterBrokerReply>(
      this.bus,
      MetadataSubjects.registerBroker,
      {
        id: this.id,
        endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + this.id, securityProtocol: 'PLAINTEXT' }],
        rack: null,
        leaseMs: this.leaseMs,
      },
      { timeoutMs },
    );
    this.epoch = reply.epoch;
    this.timer = setInterval(() => void this.heartbeat().catch(() => undefined), this.heartbeatMs);
  }

  /** Stops heartbeating: from now on, its lease runs out. */
  die(): number {
    clearInterval(this.timer);
    return Date.now();
  }

  /** Keeps reporting the version applied so far, whatever the metadata service publishes. */
  holdVersion(): void {
    this.heldVersion = this.lastVersion;
  }

  /** Applies the metadata service's versions again. */
  releaseVersion(): void {
    this.heldVersion = undefined;
  }

  private async heartbeat(): Promise<void> {
    const { version } = await requestJson<{ version: string }>(this.bus, MetadataSubjects.version, {}, { timeoutMs });
    const appliedVersion = this.heldVersion ?? version;
    this.lastVersion = appliedVersion;
    await requestJson(
      this.bus,
      MetadataSubjects.brokerHeartbeat,
      { id: this.id, epoch: this.epoch, leaseMs: this.leaseMs, appliedVersion },
      { timeoutMs },
    );
  }
}
