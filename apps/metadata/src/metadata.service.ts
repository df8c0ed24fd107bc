import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { publishJson, replyJson, type Bus, type Subscription } from '@strom/bus';
import {
  aclBindingInfo,
  MetadataSubjects,
  type AclBindingInfo,
  type AlterScramCredentialsCommand,
  type AlterScramCredentialsReply,
  type CreateAclsCommand,
  type DeleteAclsCommand,
  type DeleteAclsReply,
  type DescribeScramCredentialsReply,
  type DescribeScramCredentialsRequest,
  type ListAclsReply,
  type ScramCredentialLookupReply,
  type ScramCredentialLookupRequest,
  type ScramMechanismName,
  type SecurityChangedEvent,
  type AlterBrokerConfigsCommand,
  type AlterGroupConfigsCommand,
  type AlterGroupConfigsReply,
  type AlterBrokerConfigsReply,
  type AlterTopicConfigsCommand,
  type AlterTopicConfigsReply,
  type CreatePartitionsCommand,
  type CreatePartitionsReply,
  type ClusterSnapshot,
  type CreateTopicsCommand,
  type CreateTopicsReply,
  type DeleteTopicsCommand,
  type DeleteTopicsReply,
  type TopicsDeletedEvent,
  type TopicInfo,
} from '@strom/contracts';
import type { MetadataStore, TopicState } from '@strom/metadata-store';
import { BUS, LOGGER, METADATA_STORE, type Logger } from '@strom/runtime';
import { alterBrokerConfigs } from './broker-configs.js';
import { toPartitionInfo } from './membership.service.js';
import { METADATA_OPTIONS, type MetadataOptions } from './metadata.options.js';
import { alterTopicConfigs, createPartitions, createTopics, deleteTopics } from './topic-admin.js';

/**
 * The cluster metadata service: answers reads and applies changes over the bus, with the store
 * as the source of truth. After every change it publishes the new version on
 * `strom.metadata.changed`, so brokers refresh their cache.
 */
@Injectable()
export class MetadataService implements OnModuleInit, OnApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    @Inject(METADATA_OPTIONS) private readonly options: MetadataOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const queue = { queue: 'metadata' };
    this.subscriptions.push(
      replyJson(this.bus, MetadataSubjects.version, async () => ({ version: String(await this.store.version()) }), queue),
      replyJson(this.bus, MetadataSubjects.snapshot, () => this.snapshot(), queue),
      replyJson<CreateTopicsCommand, CreateTopicsReply>(
        this.bus,
        MetadataSubjects.createTopics,
        (command) => this.createTopics(command),
        queue,
      ),
      replyJson<DeleteTopicsCommand, DeleteTopicsReply>(
        this.bus,
        MetadataSubjects.deleteTopics,
        (command) => this.deleteTopics(command),
        queue,
      ),
      replyJson<CreatePartitionsCommand, CreatePartitionsReply>(
        this.bus,
        MetadataSubjects.createPartitions,
        async (command) => {
          const { results, requestError, changed } = await createPartitions(this.store, command);
          const version = changed ? await this.changed() : String(await this.store.version());
          return requestError === undefined ? { results, version } : { results, version, requestError };
        },
        queue,
      ),
      replyJson<AlterTopicConfigsCommand, AlterTopicConfigsReply>(
        this.bus,
        MetadataSubjects.alterTopicConfigs,
        async (command) => {
          const result = await alterTopicConfigs(this.store, this.options, command);
          return {
            errorCode: result.errorCode,
            errorMessage: result.errorMessage,
            version: result.changed ? await this.changed() : String(await this.store.version()),
          };
        },
        queue,
      ),
      replyJson<AlterBrokerConfigsCommand, AlterBrokerConfigsReply>(
        this.bus,
        MetadataSubjects.alterBrokerConfigs,
        async (command) => {
          const result = await alterBrokerConfigs(this.store, command);
          if (result.changed)
            this.logger.info({ brokerId: command.brokerId, configs: Object.keys(command.changes) }, 'broker configs altered');
          return {
            errorCode: result.errorCode,
            errorMessage: result.errorMessage,
            version: result.changed ? await this.changed() : String(await this.store.version()),
          };
        },
        queue,
      ),
    );
    this.subscriptions.push(
      replyJson<AlterGroupConfigsCommand, AlterGroupConfigsReply>(
        this.bus,
        MetadataSubjects.alterGroupConfigs,
        async (command) => {
          await this.store.groupConfigs.alter(command.groupId, command.changes, command.replace);
          this.logger.info({ groupId: command.groupId, configs: Object.keys(command.changes) }, 'group configs altered');
          return { version: await this.changed() };
        },
        queue,
      ),
    );
    this.subscribeSecurity(queue);
    await Promise.all(this.subscriptions.map((subscription) => subscription.ready));
    await this.store.clusterId();
    this.logger.debug('metadata service answering');
  }

  /** Answers until the app closes: brokers (embedded) make their last requests in earlier shutdown hooks. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.unsubscribe()));
  }

  async snapshot(): Promise<ClusterSnapshot> {
    // The version first: every change committed by then is visible to the reads after it, so the
    // label never runs ahead of the data. Read alongside, a change committing between the reads
    // could label old brokers or topics with its version, and a broker holding that snapshot
    // would ignore the change's announcement as already applied.
    const version = await this.store.version();
    const [clusterId, brokers, topics, brokerConfigs, groupConfigs] = await Promise.all([
      this.store.clusterId(),
      this.store.brokers.list(),
      this.store.topics.list(),
      this.store.brokerConfigs.list(),
      this.store.groupConfigs.list(),
    ]);
    const live = brokers.filter((broker) => !broker.fenced);
    return {
      version: String(version),
      clusterId,
      controllerId: live[0]?.id ?? -1,
      brokers: brokers.map((broker) => ({
        id: broker.id,
        endpoints: broker.endpoints,
        rack: broker.rack,
        epoch: String(broker.epoch),
        fenced: broker.fenced,
      })),
      topics: topics.map(toTopicInfo),
      brokerConfigs: {
        cluster: brokerConfigs.cluster,
        brokers: Object.fromEntries(Object.entries(brokerConfigs.brokers).map(([id, configs]) => [String(id), configs])),
      },
      groupConfigs,
    };
  }

  private async createTopics(command: CreateTopicsCommand): Promise<CreateTopicsReply> {
    const { results, requestError } = await createTopics(this.store, this.options, command.topics, command.validateOnly);
    const created = results.filter((result) => result.errorCode === 0 && !command.validateOnly);
    if (created.length > 0) this.logger.info({ topics: created.map((result) => result.name) }, 'topics created');
    const version = created.length > 0 ? await this.changed() : String(await this.store.version());
    return requestError === undefined ? { version, results } : { version, results, requestError };
  }

  private async deleteTopics(command: DeleteTopicsCommand): Promise<DeleteTopicsReply> {
    const results = await deleteTopics(this.store, command);
    const deleted = results.filter((result) => result.errorCode === 0);
    if (deleted.length === 0) return { version: String(await this.store.version()), results };
    const topics = deleted.flatMap((result) => (result.name === null ? [] : [result.name]));
    this.logger.info({ topics }, 'topics deleted');
    const version = await this.changed();
    publishJson(this.bus, MetadataSubjects.topicsDeleted, { topics } satisfies TopicsDeletedEvent);
    return { version, results };
  }

  /** SCRAM credentials and ACLs (SecurityRepository); changes are announced on `securityChanged`. */
  private subscribeSecurity(queue: { queue: string }): void {
    const security = this.store.security;
    this.subscriptions.push(
      replyJson<ScramCredentialLookupRequest, ScramCredentialLookupReply>(
        this.bus,
        MetadataSubjects.scramLookup,
        async ({ user, mechanism }) => {
          const found = await security.scramCredential(user, toStoreMechanism(mechanism));
          return {
            credential: found
              ? {
                  salt: Buffer.from(found.salt).toString('base64'),
                  storedKey: Buffer.from(found.storedKey).toString('base64'),
                  serverKey: Buffer.from(found.serverKey).toString('base64'),
                  iterations: found.iterations,
                }
              : null,
          };
        },
        queue,
      ),
      replyJson<DescribeScramCredentialsRequest, DescribeScramCredentialsReply>(
        this.bus,
        MetadataSubjects.scramDescribe,
        async ({ users }) => ({
          credentials: (await security.listScramCredentials(users ?? undefined)).map((record) => ({
            user: record.user,
            mechanism: fromStoreMechanism(record.mechanism),
            iterations: record.iterations,
          })),
        }),
        queue,
      ),
      replyJson<AlterScramCredentialsCommand, AlterScramCredentialsReply>(
        this.bus,
        MetadataSubjects.scramAlter,
        async (command) => {
          const deleted: boolean[] = [];
          for (const deletion of command.deletions) {
            deleted.push(await security.deleteScramCredential(deletion.user, toStoreMechanism(deletion.mechanism)));
          }
          for (const upsertion of command.upsertions) {
            await security.upsertScramCredential({
              user: upsertion.user,
              mechanism: toStoreMechanism(upsertion.mechanism),
              salt: Buffer.from(upsertion.salt, 'base64'),
              storedKey: Buffer.from(upsertion.storedKey, 'base64'),
              serverKey: Buffer.from(upsertion.serverKey, 'base64'),
              iterations: upsertion.iterations,
            });
          }
          const users = [...new Set([...command.deletions, ...command.upsertions].map((change) => change.user))];
          if (users.length > 0) {
            this.logger.info({ users }, 'SCRAM credentials altered');
            this.securityChanged({ acls: false, scramUsers: users });
          }
          return { deleted };
        },
        queue,
      ),
      replyJson<Record<string, never>, ListAclsReply>(
        this.bus,
        MetadataSubjects.aclsList,
        async () => ({ acls: (await security.listAcls()).map(aclBindingInfo) }),
        queue,
      ),
      replyJson<CreateAclsCommand, { ok: true }>(
        this.bus,
        MetadataSubjects.aclsCreate,
        async ({ acls }) => {
          if (acls.length > 0) {
            await security.createAcls(acls.map(aclBindingInfo));
            this.logger.info({ count: acls.length }, 'ACLs created');
            this.securityChanged({ acls: true, scramUsers: [] });
          }
          return { ok: true };
        },
        queue,
      ),
      replyJson<DeleteAclsCommand, DeleteAclsReply>(
        this.bus,
        MetadataSubjects.aclsDelete,
        async ({ acls }) => {
          const deleted: AclBindingInfo[] = [];
          for (const binding of acls) deleted.push(...(await security.deleteAcls(aclBindingInfo(binding))).map(aclBindingInfo));
          if (deleted.length > 0) {
            this.logger.info({ count: deleted.length }, 'ACLs deleted');
            this.securityChanged({ acls: true, scramUsers: [] });
          }
          return { deleted };
        },
        queue,
      ),
    );
  }

  private securityChanged(event: SecurityChangedEvent): void {
    publishJson(this.bus, MetadataSubjects.securityChanged, event);
  }

  /** Announces the current version; returns it. */
  private async changed(): Promise<string> {
    const version = String(await this.store.version());
    publishJson(this.bus, MetadataSubjects.changed, { version });
    return version;
  }
}

function toTopicInfo(topic: TopicState): TopicInfo {
  return {
    id: topic.id,
    name: topic.name,
    internal: topic.internal,
    configs: topic.configs,
    partitions: topic.partitions.map(toPartitionInfo),
  };
}

function toStoreMechanism(mechanism: ScramMechanismName): 'SCRAM_SHA_256' | 'SCRAM_SHA_512' {
  return mechanism === 'SCRAM-SHA-256' ? 'SCRAM_SHA_256' : 'SCRAM_SHA_512';
}

function fromStoreMechanism(mechanism: string): ScramMechanismName {
  return mechanism === 'SCRAM_SHA_256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512';
}
