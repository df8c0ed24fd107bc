-- AlterTable
ALTER TABLE "consumer_group" ADD COLUMN     "members" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "state_timestamp_ms" BIGINT;
