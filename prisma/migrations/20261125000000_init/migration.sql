-- CreateEnum
CREATE TYPE "ScramMechanism" AS ENUM ('SCRAM_SHA_256', 'SCRAM_SHA_512');

-- CreateTable
CREATE TABLE "metadata_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "metadata_version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broker" (
    "id" INTEGER NOT NULL,
    "epoch" BIGINT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "rack" TEXT,
    "fenced" BOOLEAN NOT NULL DEFAULT false,
    "lease_expires_at" TIMESTAMP(3) NOT NULL,
    "registered_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "broker_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "topic" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "internal" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "topic_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "partition" (
    "topic_id" UUID NOT NULL,
    "partition_index" INTEGER NOT NULL,
    "replicas" INTEGER[],
    "isr" INTEGER[],
    "adding_replicas" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "removing_replicas" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "leader_id" INTEGER NOT NULL DEFAULT -1,
    "leader_epoch" INTEGER NOT NULL DEFAULT 0,
    "partition_epoch" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "partition_pkey" PRIMARY KEY ("topic_id","partition_index")
);

-- CreateTable
CREATE TABLE "topic_config" (
    "topic_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "topic_config_pkey" PRIMARY KEY ("topic_id","name")
);

-- CreateTable
CREATE TABLE "broker_config" (
    "broker_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "broker_config_pkey" PRIMARY KEY ("broker_id","name")
);

-- CreateTable
CREATE TABLE "cluster_config" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "cluster_config_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "consumer_group" (
    "group_id" TEXT NOT NULL,
    "protocol_type" TEXT NOT NULL DEFAULT '',
    "protocol_name" TEXT,
    "state" TEXT NOT NULL DEFAULT 'Empty',
    "generation_id" INTEGER NOT NULL DEFAULT 0,
    "leader_id" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consumer_group_pkey" PRIMARY KEY ("group_id")
);

-- CreateTable
CREATE TABLE "committed_offset" (
    "group_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "partition_index" INTEGER NOT NULL,
    "committed_offset" BIGINT NOT NULL,
    "leader_epoch" INTEGER NOT NULL DEFAULT -1,
    "metadata" TEXT,
    "commit_timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expire_timestamp" TIMESTAMP(3),

    CONSTRAINT "committed_offset_pkey" PRIMARY KEY ("group_id","topic","partition_index")
);

-- CreateTable
CREATE TABLE "producer_id_block" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "next_producer_id" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "producer_id_block_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transactional_producer" (
    "transactional_id" TEXT NOT NULL,
    "producer_id" BIGINT NOT NULL,
    "producer_epoch" INTEGER NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'Empty',
    "timeout_ms" INTEGER NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transactional_producer_pkey" PRIMARY KEY ("transactional_id")
);

-- CreateTable
CREATE TABLE "scram_credential" (
    "user" TEXT NOT NULL,
    "mechanism" "ScramMechanism" NOT NULL,
    "salt" BYTEA NOT NULL,
    "stored_key" BYTEA NOT NULL,
    "server_key" BYTEA NOT NULL,
    "iterations" INTEGER NOT NULL,

    CONSTRAINT "scram_credential_pkey" PRIMARY KEY ("user","mechanism")
);

-- CreateTable
CREATE TABLE "acl" (
    "id" SERIAL NOT NULL,
    "resource_type" INTEGER NOT NULL,
    "resource_name" TEXT NOT NULL,
    "pattern_type" INTEGER NOT NULL,
    "principal" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "operation" INTEGER NOT NULL,
    "permission_type" INTEGER NOT NULL,

    CONSTRAINT "acl_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "topic_name_key" ON "topic"("name");

-- CreateIndex
CREATE UNIQUE INDEX "acl_resource_type_resource_name_pattern_type_principal_host__key" ON "acl"("resource_type", "resource_name", "pattern_type", "principal", "host", "operation", "permission_type");

-- AddForeignKey
ALTER TABLE "partition" ADD CONSTRAINT "partition_topic_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topic"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "topic_config" ADD CONSTRAINT "topic_config_topic_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topic"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broker_config" ADD CONSTRAINT "broker_config_broker_id_fkey" FOREIGN KEY ("broker_id") REFERENCES "broker"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "committed_offset" ADD CONSTRAINT "committed_offset_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "consumer_group"("group_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Seed the singleton rows that versioning and producer-id allocation compare-and-set on.
INSERT INTO "metadata_version" ("id", "version") VALUES (1, 0);
INSERT INTO "producer_id_block" ("id", "next_producer_id") VALUES (1, 0);
