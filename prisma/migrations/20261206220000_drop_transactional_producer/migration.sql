/*
  Warnings:

  - You are about to drop the `transactional_producer` table. If the table is not empty, all the data it contains will be lost.

*/
-- DropTable
DROP TABLE "transactional_producer";
