-- Group configs (KIP-848's GROUP config resources, issue 17): consumer.session.timeout.ms and the
-- others of Kafka's GroupConfig, set with IncrementalAlterConfigs whether or not the group exists.

-- CreateTable
CREATE TABLE "group_config" (
    "group_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "group_config_pkey" PRIMARY KEY ("group_id","name")
);
