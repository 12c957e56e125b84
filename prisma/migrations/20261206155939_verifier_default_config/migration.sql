-- CreateTable
CREATE TABLE "DefaultVerifierConfig" (
    "slot" TEXT NOT NULL PRIMARY KEY DEFAULT 'default',
    "configId" INTEGER NOT NULL,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "DefaultVerifierConfig_configId_fkey" FOREIGN KEY ("configId") REFERENCES "VerifierConfig" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "DefaultVerifierConfig_configId_key" ON "DefaultVerifierConfig"("configId");

-- The default becomes explicit: it starts as the config runs used by default until now (the newest).
INSERT INTO "DefaultVerifierConfig" ("slot", "configId")
SELECT 'default', "id" FROM "VerifierConfig" ORDER BY "version" DESC LIMIT 1;
