/** A mongoose model, as far as this migration uses it. */
interface WithCollection {
  collection: { updateMany(filter: object, update: object): Promise<{ modifiedCount: number }> };
}

/**
 * Documents written before accounts existed (no `accountId`) become the deployment's default
 * account's (`env`, ONECLICK_API_KEY), at start-up; idempotent and cheap once done (nothing matches).
 */
export async function adoptIntoDefaultAccount(models: WithCollection[], defaultAccountId: string): Promise<number> {
  let adopted = 0;
  for (const model of models) {
    const res = await model.collection.updateMany({ accountId: { $exists: false } }, { $set: { accountId: defaultAccountId } });
    adopted += res.modifiedCount;
  }
  return adopted;
}
