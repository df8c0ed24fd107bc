-- A broker registers every advertised listener, not one host and port (issue 13.2). The old
-- columns are dropped without being copied: a broker registers its endpoints again when it starts.

-- CreateTable
CREATE TABLE "broker_endpoint" (
    "broker_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "security_protocol" TEXT NOT NULL,

    CONSTRAINT "broker_endpoint_pkey" PRIMARY KEY ("broker_id","name")
);

-- AddForeignKey
ALTER TABLE "broker_endpoint" ADD CONSTRAINT "broker_endpoint_broker_id_fkey" FOREIGN KEY ("broker_id") REFERENCES "broker"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "broker" DROP COLUMN "host",
DROP COLUMN "port";
