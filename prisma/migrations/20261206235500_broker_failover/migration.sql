-- AlterTable
ALTER TABLE "broker" ADD COLUMN     "applied_metadata_version" BIGINT NOT NULL DEFAULT -1,
ADD COLUMN     "in_controlled_shutdown" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "partition" ADD COLUMN     "leader_recovery_state" TEXT NOT NULL DEFAULT 'RECOVERED';

-- CreateTable
CREATE TABLE "broker_failover" (
    "broker_id" INTEGER NOT NULL,
    "broker_epoch" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "lease_expired_at" TIMESTAMP(3) NOT NULL,
    "fenced_at" TIMESTAMP(3) NOT NULL,
    "version" BIGINT NOT NULL,
    "partitions" JSONB NOT NULL,
    "fenced_by" TEXT NOT NULL,
    "completed_at" TIMESTAMP(3),
    "confirmed_leaders" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "workflow_id" TEXT,

    CONSTRAINT "broker_failover_pkey" PRIMARY KEY ("broker_id","broker_epoch")
);
