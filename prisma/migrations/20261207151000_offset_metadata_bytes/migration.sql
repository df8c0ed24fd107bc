-- Commit metadata is an opaque string to Kafka: any value must round-trip, and Postgres text
-- cannot hold the 0x00 a client may put in it (librdkafka's 0099 and 0130 tests do). Keep its
-- UTF-8 bytes instead; existing values convert without loss.
ALTER TABLE "committed_offset" ALTER COLUMN "metadata" SET DATA TYPE BYTEA USING convert_to("metadata", 'UTF8');
