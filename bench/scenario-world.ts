import { BenchFakes } from './fakes.js';

/**
 * The emulator and fake Telegram of the scenario sections (first answer, 10,000 orders,
 * announcements), with helpers to place the orders they need.
 */
export class ScenarioWorld extends BenchFakes {
  static async start(timeScale: number): Promise<ScenarioWorld> {
    const world = new ScenarioWorld(timeScale);
    await world.startFakes();
    return world;
  }

  /** An UNKNOWN_ERROR order at the provider (0600000003 stays there until scripted otherwise); its id. */
  placeUnknownError(ref: string): string {
    return this.place({ kind: 'mobile', number: '0600000003', ref });
  }

  /** An ordinary mobile order (PENDING 5 s, HANDLING until 15 s, then FULFILLED); its id. */
  placeOrdinary(ref: string): string {
    return this.place({ kind: 'mobile', number: '0661234567', ref });
  }

  /** An order that is already FULFILLED at the provider when the bot first hears of it; its id. */
  placeAlreadyFinal(ref: string): string {
    const id = this.placeOrdinary(ref);
    this.emulator.setStatus(id, 'FULFILLED');
    return id;
  }

  /** An order being handled now that turns FULFILLED `afterMs` (production ms) from now; its id. */
  placeFinalIn(ref: string, afterMs: number): string {
    const id = this.placeOrdinary(ref);
    this.emulator.setStatus(id, 'HANDLING');
    this.emulator.scheduleStatus(id, afterMs, 'FULFILLED');
    return id;
  }
}
