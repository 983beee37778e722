import type { AccountKeyInfo, MobileOrder } from '../provider/types.js';

/** What re-sending needs from the provider account (the OneClickDz client satisfies it). */
export interface TopupSender {
  sendMobile(body: { plan_code: string; MSSIDN: string; amount?: number; ref: string }): Promise<{ topupId: string; topupRef: string }>;
  checkMobileByRef(ref: string): Promise<MobileOrder>;
  balance(): Promise<number>;
  validate(): Promise<AccountKeyInfo>;
}
