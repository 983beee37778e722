import type { Model } from 'mongoose';
import type { AccountDoc } from './account-store.js';
import type { KeyVault } from './key-vault.js';

export interface RotationReport {
  /** Re-sealed under the new master key now. */
  rotated: number;
  /** Already sealed under the new master key (a second run, or an interrupted one). */
  alreadyCurrent: number;
  /** Opens with neither key: left untouched, to be looked at (their ids, never their content). */
  unreadable: string[];
}

/**
 * Re-seals every stored provider key from the old master key to the new one. Idempotent: a key that
 * already opens with the new master key is skipped, so the command can be run again after a crash.
 * Each write is conditioned on the ciphertext it read, so a key linked meanwhile is not overwritten.
 */
export async function rotateKeys(Account: Model<AccountDoc>, from: KeyVault, to: KeyVault): Promise<RotationReport> {
  const report: RotationReport = { rotated: 0, alreadyCurrent: 0, unreadable: [] };
  const docs = await Account.find({ sealedKey: { $ne: null } }, { sealedKey: 1 }).lean<Array<Pick<AccountDoc, '_id' | 'sealedKey'>>>();
  for (const doc of docs) {
    const sealed = doc.sealedKey!;
    if (to.opens(sealed)) {
      report.alreadyCurrent += 1;
      continue;
    }
    if (!from.opens(sealed)) {
      report.unreadable.push(doc._id);
      continue;
    }
    const res = await Account.updateOne({ _id: doc._id, sealedKey: sealed }, { $set: { sealedKey: to.seal(from.open(sealed)) } });
    if (res.modifiedCount === 1) report.rotated += 1;
    else report.alreadyCurrent += 1; // re-linked meanwhile, under the new key
  }
  return report;
}
