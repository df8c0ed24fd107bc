-- AlterTable
ALTER TABLE "metadata_version" ADD COLUMN     "cluster_id" TEXT NOT NULL DEFAULT '';
