import { describe, expect, it } from 'vitest';
import {
  displayKey,
  otherAmountVerdict,
  owedEffects,
  pressVerdict,
  shownKeyFor,
  transition,
  type OfferPolicy,
  type OfferSnapshot,
  type OfferState,
  type OfferTarget,
} from '../../src/resend/offer-machine.js';

/** The offer state machine alone: no MongoDB, no provider, no Telegram. */

const policy: OfferPolicy = { unconfirmedCheckForMs: 600_000, firstCheckAfterMs: 15_000, maxCheckEveryMs: 120_000 };
const t0 = new Date('2026-01-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const chatA = { chatId: 1, messageId: 10, locale: 'ar' };
const chatB = { chatId: 2, messageId: 20, locale: 'fr' };

function offer(state: OfferState, extra: Partial<OfferSnapshot> = {}): OfferSnapshot {
  return { state, targets: [], sentTopupId: null, uncertainSince: null, checks: 0, ...extra };
}
const target = (t: typeof chatA, shown: string | null): OfferTarget => ({ ...t, shown });

function ok(d: ReturnType<typeof transition>) {
  if (!d.ok) throw new Error(`rejected in ${d.state}`);
  return d;
}

type Msg = { chatId: number; messageId: number };
/** Confirm pressed on `m`, which shows "sending" from then on (the handler showed it first). */
const confirmOn = (m: typeof chatA, shown: string | null = 'sending') =>
  ({ type: 'press', button: 'confirm', pressed: m, shows: { ...m, shown } }) as const;
const cancelOn = (m: typeof chatA) => ({ type: 'press', button: 'cancel', pressed: m, shows: { ...m, shown: null } }) as const;
const ref = (m: Msg) => ({ chatId: m.chatId, messageId: m.messageId });
/** Another confirmation in chat A. */
const chatA2 = { chatId: 1, messageId: 11, locale: 'ar' };
const statusA = { chatId: 1, messageId: 5 };

describe('offer machine: presses', () => {
  it('Confirm on a fresh offer records the intent for the pressing message, due now', () => {
    const d = ok(transition(offer('offered'), confirmOn(chatA), t0, policy));
    expect(d.verdict).toEqual({ type: 'send' });
    expect(d.change.state).toBe('confirming');
    expect(d.change.set.targets).toEqual([target(chatA, 'sending')]);
    expect(d.change.set.dueAt).toEqual(t0);
    expect(d.effects).toEqual([]);
  });

  it.each(['cancelled', 'refused', 'not_created'] as const)('Confirm after %s starts a new send (same ref)', (state) => {
    expect(ok(transition(offer(state), confirmOn(chatA), t0, policy)).change.state).toBe('confirming');
  });

  it.each(['confirming', 'sending'] as const)('a Confirm from another chat while %s follows the send, nothing owed', (state) => {
    const d = ok(transition(offer(state, { targets: [target(chatA, 'sending')] }), confirmOn(chatB), t0, policy));
    expect(d.verdict).toEqual({ type: 'follow' });
    expect(d.change.state).toBe(state);
    expect(d.change.addTarget).toEqual(target(chatB, 'sending'));
    expect(d.effects).toEqual([]);
  });

  it('a press that showed an older state than the one recorded is owed the current one', () => {
    const d = ok(transition(offer('uncertain', { targets: [target(chatA, 'uncertain')] }), confirmOn(chatB), t0, policy));
    expect(d.change.state).toBe('uncertain');
    expect(d.effects).toEqual([{ type: 'show', targets: [target(chatB, 'sending')] }]);
  });

  it('a Confirm from another chat on a sent offer makes that message follow the order, never a second send', () => {
    const d = ok(transition(offer('sent', { sentTopupId: 'T1', targets: [target(chatA, 'sent:T1')] }), confirmOn(chatB, null), t0, policy));
    expect(d.change.state).toBe('sent');
    expect(d.effects).toEqual([{ type: 'track', topupId: 'T1', targets: [target(chatB, null)] }]);
  });

  it.each(['confirming', 'sending', 'uncertain', 'sent'] as const)(
    'while %s, any press in a chat that shows the send points to that message and changes nothing',
    (state) => {
      const o = offer(state, { sentTopupId: state === 'sent' ? 'T1' : null, targets: [target(chatA, 'x'), target(chatB, 'x')] });
      for (const button of ['offer', 'confirm', 'cancel'] as const) {
        // The message that shows it (an old Confirm or Cancel on it, a double tap): never edited, never re-sent.
        expect(pressVerdict(o, button, ref(chatA))).toEqual({ type: 'shown_in', live: ref(chatA) });
        // Another confirmation, or the status message's offer button, in the same chat: points to it.
        expect(pressVerdict(o, button, ref(chatA2))).toEqual({ type: 'shown_in', live: ref(chatA) });
        expect(pressVerdict(o, button, statusA)).toEqual({ type: 'shown_in', live: ref(chatA) });
      }
      const d = transition(o, confirmOn(chatA2), t0, policy);
      expect(d).toEqual({ ok: false, state, verdict: { type: 'shown_in', live: ref(chatA) } });
      expect(transition(o, cancelOn(chatA), t0, policy).ok).toBe(false);
    },
  );

  it.each(['sending', 'sent'] as const)(
    'while %s, a chat whose message was left behind by a supergroup upgrade gets the pressed (or a new) message in its place',
    (state) => {
      const moved: OfferTarget = { chatId: 1, messageId: null, locale: 'ar', shown: 'sending' };
      const o = offer(state, { sentTopupId: state === 'sent' ? 'T1' : null, targets: [moved, target(chatB, 'x')] });
      expect(pressVerdict(o, 'offer', statusA)).toEqual({ type: 'follow' });
      const d = ok(transition(o, confirmOn(chatA2, state === 'sent' ? null : 'sending'), t0, policy));
      expect(d.verdict).toEqual({ type: 'follow' });
      // The chat keeps one target: the message-less one is filled, nothing is appended.
      expect(d.change.addTarget).toBeUndefined();
      expect(d.change.fillTarget).toEqual(target(chatA2, state === 'sent' ? null : 'sending'));
      expect(d.effects).toEqual(
        state === 'sent' ? [{ type: 'track', topupId: 'T1', targets: [target(chatA2, null), target(chatB, 'x')] }] : [],
      );
      // Never a send: another chat's press still points to its own message.
      expect(pressVerdict(o, 'confirm', ref(chatB))).toEqual({ type: 'shown_in', live: ref(chatB) });
    },
  );

  it('Cancel closes a confirmation of an offer that was not sent, and remembers it', () => {
    for (const state of ['offered', 'cancelled', 'not_created'] as const) {
      const d = ok(transition(offer(state), cancelOn(chatA), t0, policy));
      expect(d.change).toMatchObject({ state: 'cancelled', addCancelled: ref(chatA) });
    }
  });

  it('old buttons of a cancelled confirmation send nothing; other confirmations still work', () => {
    const o = offer('cancelled', { cancelledIn: [ref(chatA)] });
    expect(pressVerdict(o, 'confirm', ref(chatA))).toEqual({ type: 'was_cancelled' });
    expect(pressVerdict(o, 'cancel', ref(chatA))).toEqual({ type: 'was_cancelled' });
    expect(transition(o, confirmOn(chatA), t0, policy).ok).toBe(false);
    expect(pressVerdict(o, 'confirm', ref(chatA2))).toEqual({ type: 'send' });
    expect(pressVerdict(o, 'offer', statusA)).toEqual({ type: 'confirmation' });
  });

  it('old buttons of a message that shows a refusal send nothing; "not created" offers Confirm again', () => {
    const refused = offer('refused', { targets: [target(chatA, 'refused:invalid')] });
    expect(pressVerdict(refused, 'confirm', ref(chatA))).toEqual({ type: 'was_refused' });
    expect(pressVerdict(refused, 'confirm', ref(chatA2))).toEqual({ type: 'send' });
    const notCreated = offer('not_created', { targets: [target(chatA, 'not_created')] });
    expect(pressVerdict(notCreated, 'confirm', ref(chatA))).toEqual({ type: 'send' });
  });

  it('an old "Other amount" asks nothing on the message that shows the send or on a cancelled confirmation', () => {
    const sent = offer('sent', { sentTopupId: 'T1', targets: [target(chatA, 'sent:T1')] });
    expect(otherAmountVerdict(sent, ref(chatA))).toEqual({ type: 'shown_in', live: ref(chatA) });
    expect(otherAmountVerdict(sent, ref(chatA2))).toBeUndefined(); // another amount is another offer
    expect(otherAmountVerdict(offer('cancelled', { cancelledIn: [ref(chatA)] }), ref(chatA))).toEqual({ type: 'was_cancelled' });
    expect(otherAmountVerdict(offer('refused', { targets: [target(chatA, 'refused:insufficient_balance')] }), ref(chatA))).toBeUndefined();
  });

  it('what a message shows after the handler showed a verdict', () => {
    expect(shownKeyFor(offer('offered'), { type: 'send' })).toBe('sending');
    expect(shownKeyFor(offer('sending'), { type: 'follow' })).toBe('sending');
    expect(shownKeyFor(offer('uncertain'), { type: 'follow' })).toBe('uncertain');
    expect(shownKeyFor(offer('sent', { sentTopupId: 'T1' }), { type: 'follow' })).toBeNull(); // still to become the live status
  });
});

describe('offer machine: the worker', () => {
  it('send only from confirming; accepted hands every target to tracking', () => {
    expect(ok(transition(offer('confirming'), { type: 'send' }, t0, policy)).change.state).toBe('sending');
    expect(transition(offer('sending'), { type: 'send' }, t0, policy).ok).toBe(false);
    expect(transition(offer('uncertain'), { type: 'send' }, t0, policy).ok).toBe(false);
    const d = ok(
      transition(
        offer('sending', { targets: [target(chatA, 'sending'), target(chatB, 'sending')] }),
        { type: 'accepted', topupId: 'T9' },
        t0,
        policy,
      ),
    );
    expect(d.change).toMatchObject({ state: 'sent', set: { sentTopupId: 'T9', dueAt: null } });
    expect(d.effects).toEqual([{ type: 'track', topupId: 'T9', targets: [target(chatA, 'sending'), target(chatB, 'sending')] }]);
  });

  it('a clear refusal shows it; no order exists', () => {
    const d = ok(
      transition(
        offer('sending', { targets: [target(chatA, 'sending')] }),
        { type: 'refused', refusal: { reason: 'insufficient_balance', required: 500, available: 100 } },
        t0,
        policy,
      ),
    );
    expect(d.change.state).toBe('refused');
    expect(d.effects).toEqual([{ type: 'show', targets: [target(chatA, 'sending')] }]);
    expect(displayKey({ state: 'refused', sentTopupId: null, refusal: { reason: 'insufficient_balance' } })).toBe(
      'refused:insufficient_balance',
    );
  });

  it.each(['not_found', 'no_answer'] as const)(
    'after a send, %s means uncertain: "not confirmed yet" and a check by ref scheduled',
    (type) => {
      const d = ok(transition(offer('sending', { targets: [target(chatA, 'sending')] }), { type }, t0, policy));
      expect(d.change.state).toBe('uncertain');
      expect(d.change.set).toMatchObject({ uncertainSince: t0, uncertainUntil: at(600_000), checks: 0, dueAt: at(15_000) });
      expect(d.effects).toEqual([{ type: 'show', targets: [target(chatA, 'sending')] }]);
    },
  );

  it('a 404 inside the window keeps it uncertain (nothing new to show); checks back off and the last one falls on the window end', () => {
    let o = offer('uncertain', { uncertainSince: t0, targets: [target(chatA, 'uncertain')] });
    const dues: number[] = [];
    let now = t0;
    for (let i = 0; i < 30; i++) {
      const d = ok(transition(o, { type: 'not_found' }, now, policy));
      if (d.change.state !== 'uncertain') break;
      expect(d.effects).toEqual([]);
      now = d.change.set.dueAt!;
      dues.push(now.getTime() - t0.getTime());
      o = { ...o, checks: d.change.set.checks! };
    }
    expect(dues.slice(0, 4)).toEqual([22_500, 22_500 + 33_750, 22_500 + 33_750 + 50_625, 182_812]);
    expect(dues.at(-1)).toBe(600_000);
    const gaps = dues.map((d, i) => d - (dues[i - 1] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(120_000);
  });

  it('"not created" only on a 404 once the whole window has passed; no answer never says it', () => {
    const o = offer('uncertain', { uncertainSince: t0, targets: [target(chatA, 'uncertain')] });
    expect(ok(transition(o, { type: 'not_found' }, at(599_999), policy)).change.state).toBe('uncertain');
    const late = ok(transition(o, { type: 'no_answer' }, at(3_600_000), policy));
    expect(late.change.state).toBe('uncertain');
    expect(late.change.set.dueAt!.getTime()).toBeGreaterThan(at(3_600_000).getTime());
    const d = ok(transition(o, { type: 'not_found' }, at(600_000), policy));
    expect(d.change.state).toBe('not_created');
    expect(d.effects).toEqual([{ type: 'show', targets: [target(chatA, 'uncertain')] }]);
  });

  it('a 404 to a check sent before the window ended is not the last word, however late it arrives', () => {
    const o = offer('uncertain', { uncertainSince: t0, targets: [target(chatA, 'uncertain')] });
    const early = ok(transition(o, { type: 'not_found', askedAt: at(599_998) }, at(600_002), policy));
    expect(early.change.state).toBe('uncertain');
    expect(early.change.set.dueAt).toEqual(at(600_002)); // asked again at once, not at the slow pace
    const sentAfter = ok(transition(o, { type: 'not_found', askedAt: at(600_000) }, at(600_050), policy));
    expect(sentAfter.change.state).toBe('not_created');
  });

  it('the ref found while uncertain: sent, and the messages become its live status', () => {
    const d = ok(
      transition(
        offer('uncertain', { uncertainSince: t0, targets: [target(chatA, 'uncertain')] }),
        { type: 'accepted', topupId: 'T2' },
        at(60_000),
        policy,
      ),
    );
    expect(d.change.state).toBe('sent');
    expect(d.effects).toEqual([{ type: 'track', topupId: 'T2', targets: [target(chatA, 'uncertain')] }]);
  });

  it('events that do not apply change nothing', () => {
    expect(transition(offer('offered'), { type: 'accepted', topupId: 'x' }, t0, policy).ok).toBe(false);
    expect(transition(offer('sent', { sentTopupId: 'x' }), { type: 'not_found' }, t0, policy).ok).toBe(false);
    expect(transition(offer('refused'), { type: 'no_answer' }, t0, policy).ok).toBe(false);
    expect(transition(offer('not_created'), { type: 'refused', refusal: { reason: 'read_only' } }, t0, policy).ok).toBe(false);
  });

  it('a send the key guard held back before any network call: held_back with its time, shown to every target; its own Confirm sends again, nothing else revives it', () => {
    const retryAt = at(300_000).getTime();
    for (const from of ['confirming', 'sending'] as const) {
      const d = ok(transition(offer(from, { targets: [target(chatA, 'sending')] }), { type: 'held_back', retryAt }, t0, policy));
      expect(d.change.state).toBe('held_back');
      expect(d.change.set).toMatchObject({ refusal: { reason: 'key_wait', retryAt }, dueAt: null });
      expect(d.effects).toEqual([{ type: 'show', targets: [target(chatA, 'sending')] }]);
    }
    // Only for a POST not made yet: a send that may have reached the provider is never held back.
    for (const state of ['uncertain', 'sent', 'refused', 'not_created', 'offered', 'cancelled', 'withdrawn', 'held_back'] as const) {
      expect(transition(offer(state), { type: 'held_back', retryAt }, t0, policy).ok).toBe(false);
    }
    const held = offer('held_back', { refusal: { reason: 'key_wait', retryAt }, targets: [target(chatA, `held_back:${retryAt}`)] });
    // Nothing is due (the bot never sends it by itself) and no provider answer applies to it.
    for (const event of [{ type: 'send' }, { type: 'accepted', topupId: 'T' }, { type: 'no_answer' }, { type: 'not_found' }] as const) {
      expect(transition(held, event, t0, policy).ok).toBe(false);
    }
    expect(owedEffects(held)).toEqual([]);
    // Its own message's Confirm starts a new send (same ref); Cancel cancels it.
    const again = ok(transition(held, confirmOn(chatA), t0, policy));
    expect(again.verdict).toEqual({ type: 'send' });
    expect(again.change.state).toBe('confirming');
    expect(again.change.set).toMatchObject({ refusal: null, targets: [target(chatA, 'sending')], dueAt: t0 });
    expect(ok(transition(held, cancelOn(chatA), t0, policy)).change.state).toBe('cancelled');
    // An offer from before `held_back` that recorded it as refused: its message's Confirm sends too.
    const legacy = offer('refused', { refusal: { reason: 'key_wait', retryAt }, targets: [target(chatA, 'refused:key_wait')] });
    expect(pressVerdict(legacy, 'confirm', ref(chatA))).toEqual({ type: 'send' });
    expect(
      pressVerdict(
        offer('refused', { refusal: { reason: 'invalid' }, targets: [target(chatA, 'refused:invalid')] }),
        'confirm',
        ref(chatA),
      ),
    ).toEqual({
      type: 'was_refused',
    });
  });

  it("the confirmer's right withdrawn before the POST: withdrawn, nothing more due, shown to every target; never sent from there", () => {
    for (const from of ['confirming', 'sending'] as const) {
      const d = ok(
        transition(offer(from, { targets: [target(chatA, 'sending'), target(chatB, 'sending')] }), { type: 'withdrawn' }, t0, policy),
      );
      expect(d.change.state).toBe('withdrawn');
      expect(d.change.set.dueAt).toBeNull();
      expect(d.effects).toEqual([{ type: 'show', targets: [target(chatA, 'sending'), target(chatB, 'sending')] }]);
    }
    // Only before a POST: an uncertain or settled send is never said to be withdrawn.
    for (const state of ['uncertain', 'sent', 'refused', 'not_created', 'offered', 'cancelled', 'withdrawn'] as const) {
      expect(transition(offer(state), { type: 'withdrawn' }, t0, policy).ok).toBe(false);
    }
    const withdrawn = offer('withdrawn', { targets: [target(chatA, 'withdrawn')] });
    // No answer from the provider can revive it (no POST was made, nothing to check).
    for (const event of [{ type: 'send' }, { type: 'accepted', topupId: 'T' }, { type: 'no_answer' }, { type: 'not_found' }] as const) {
      expect(transition(withdrawn, event, t0, policy).ok).toBe(false);
    }
    // Old buttons of the withdrawn confirmation send nothing; a new confirmation (its own right check) may.
    expect(pressVerdict(withdrawn, 'confirm', ref(chatA))).toEqual({ type: 'was_withdrawn' });
    expect(transition(withdrawn, confirmOn(chatA), t0, policy).ok).toBe(false);
    expect(otherAmountVerdict(withdrawn, ref(chatA))).toEqual({ type: 'was_withdrawn' });
    expect(pressVerdict(withdrawn, 'offer', statusA)).toEqual({ type: 'confirmation' });
    expect(ok(transition(withdrawn, confirmOn(chatA2), t0, policy)).change.state).toBe('confirming');
    expect(displayKey({ state: 'withdrawn', sentTopupId: null })).toBe('withdrawn');
  });

  it('owed effects leave out targets that already show the state (settling twice changes nothing)', () => {
    expect(owedEffects({ state: 'sent', sentTopupId: 'T1', targets: [target(chatA, 'sent:T1')] })).toEqual([]);
    expect(owedEffects({ state: 'sending', sentTopupId: null, targets: [target(chatA, null)] })).toEqual([]);
    expect(
      owedEffects({ state: 'not_created', sentTopupId: null, targets: [target(chatA, 'uncertain'), target(chatB, 'not_created')] }),
    ).toEqual([{ type: 'show', targets: [target(chatA, 'uncertain')] }]);
  });
});
