import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, RESELLER } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

function sendMobile(mssidn = '0778037340', ref?: string) {
  return h.emulator.sendMobile({ plan_code: 'PREPAID_DJEZZY', MSSIDN: mssidn, amount: 500, ...(ref ? { ref } : {}) });
}

describe('/status input: ids, refs, cleaning, validation, not found', () => {
  it.each([
    ['lower case', (id: string) => id],
    ['upper case', (id: string) => id.toUpperCase()],
  ])('tracks an order by its 24-hex id in %s', async (_case, spell) => {
    const { topupId, topupRef } = sendMobile('0661234567', 'by-id-1');
    await h.send(`/status ${spell(topupId)}`);
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.html).toContain(`<code>${topupId}</code>`);
    expect(final.html).toContain(`<code>${topupRef}</code>`);
    expect(h.emulator.requests[0]?.path).toBe(`/v3/mobile/check-id/${topupId}`);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
  });

  it('tracks an order by a generated ref containing "+" (sent URL-encoded)', async () => {
    const { topupId, topupRef } = sendMobile('0551234567');
    expect(topupRef).toContain('+');
    await h.send(`/status ${topupRef}`);
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.html).toContain(`<code>${topupRef}</code>`);
    expect(final.html).toContain(`<code>${topupId}</code>`);
    expect(h.emulator.requests[0]?.path).toBe(`/v3/mobile/check-ref/${encodeURIComponent(topupRef)}`);
    expect(h.emulator.requests[0]?.path).toContain('%2B');
  });

  it('cleans invisible direction marks and spaces copied along with the ref', async () => {
    sendMobile('0771234567', 'order-rtl-7');
    await h.send('/status  \u200F\u2066order-rtl-7\u2069\u061C  ');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.html).toContain('<code>order-rtl-7</code>');
    expect(h.emulator.requests[0]?.path).toBe('/v3/mobile/check-ref/order-rtl-7');
  });

  it('treats a bare ref in a private chat as /status', async () => {
    sendMobile('0771234568', 'order-555');
    await h.send(' \u200Forder-555 ');
    const final = await h.waitForMessage(RESELLER, (m) => m.text.includes('✅'), 'fulfilled status');
    expect(final.html).toContain('<code>order-555</code>');
  });

  it('answers /status alone with usage help and asks the provider nothing', async () => {
    await h.send('/status');
    const reply = h.telegram.lastMessage(RESELLER);
    expect(reply?.html).toContain('<code>/status order-123</code>');
    expect(reply?.text).toMatch(/^[\u0600-\u06FF]/); // Arabic by default
    expect(await h.app.models.Order.countDocuments()).toBe(0);
    expect(h.emulator.callCount()).toBe(0);
  });

  it.each([
    ['spaces inside (words, not a ref: the short help)', '/status order 123', 'لا تبدو هذه الرسالة مرجع طلب'],
    ['a script tag', '/status <script>alert(1)</script>', 'يحتوي المرجع على رموز غير مسموح بها'],
    ['a path', '/status ../../v3/validate', 'يحتوي المرجع على رموز غير مسموح بها'],
    ['too long', `/status ${'x'.repeat(101)}`, 'هذا المرجع طويل جدًا'],
    ['too long (bare, in a private chat)', 'y'.repeat(150), 'هذا المرجع طويل جدًا'],
  ])('explains input with %s in the chat language and never calls the provider', async (_what, text, explanation) => {
    await h.send(text);
    const reply = h.telegram.lastMessage(RESELLER);
    expect(reply?.text).toContain(explanation);
    expect(reply?.text).not.toContain('<script>');
    expect(await h.app.models.Order.countDocuments()).toBe(0);
    expect(await h.app.models.Watcher.countDocuments()).toBe(0);
    expect(h.emulator.callCount()).toBe(0);
    expect(h.badRequests()).toEqual([]);
  });

  it('says a too-long ref may have at most 100 characters', async () => {
    await h.send(`/status ${'x'.repeat(101)}`);
    expect(h.telegram.lastMessage(RESELLER)?.text).toContain('100');
  });

  it.each([
    ['a ref', 'no-such-order', 'check-ref'],
    ['an id', '0123456789abcdef01234567', 'check-id'],
  ])('answers "not found" for %s unknown to the provider, after trying mobile then internet', async (_what, query, endpoint) => {
    await h.send(`/status ${query}`);
    const answer = await h.waitForMessage(RESELLER, (m) => m.text.includes('لا تعرف OneClickDz (حتى الآن)'), 'not-found answer');
    expect(answer.html).toContain(`<code>${query}</code>`);
    expect(answer.html).toContain(`<code>/status ${query}</code>`); // how to look again; never "there is no order"
    expect(h.emulator.requests.map((r) => r.path)).toEqual([`/v3/mobile/${endpoint}/${query}`, `/v3/internet/${endpoint}/${query}`]);
    expect(h.telegram.messages(RESELLER)).toHaveLength(1);
  });
});
