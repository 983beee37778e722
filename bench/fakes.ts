import type { OrderKind } from '../src/provider/types.js';
import { FakeTelegram } from '../test/support/fake-telegram.js';
import { OneClickEmulator } from '../test/support/oneclick-emulator.js';

export const BENCH_API_KEY = 'bench-sandbox-key-0123456789abcdef';

/**
 * What every bench contender runs against: a fresh OneClickDz emulator and a fresh fake Telegram (so
 * counters and chats belong to one contender only), at the run's time scale.
 */
export class BenchFakes {
  readonly emulator: OneClickEmulator;
  readonly telegram = new FakeTelegram();

  protected constructor(readonly timeScale: number) {
    // Enough balance for any number of orders: the bench is not about money.
    this.emulator = new OneClickEmulator({ apiKey: BENCH_API_KEY, timeScale, balance: 1e12 });
  }

  protected async startFakes(): Promise<void> {
    await Promise.all([this.emulator.start(), this.telegram.start()]);
  }

  /** Places an order at the emulator as a reseller would (500 DZD mobile, 1000 DZD ADSL); its id. */
  protected place(order: { kind: OrderKind; number: string; ref: string }): string {
    const { topupId } =
      order.kind === 'mobile'
        ? this.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: order.number, amount: 500, ref: order.ref })
        : this.emulator.sendInternet({ type: 'ADSL', number: order.number, value: 1000, ref: order.ref });
    return topupId;
  }

  async close(): Promise<void> {
    await Promise.all([this.emulator.close(), this.telegram.close()]);
  }
}
