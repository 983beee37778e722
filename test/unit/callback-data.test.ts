import { describe, expect, it } from 'vitest';
import { encodeCallback, parseCallback, type CallbackData } from '../../src/bot/callback-data.js';

/** The one codec every button goes through: what renderers encode, handlers get back, validated. */

const samples: CallbackData[] = [
  { type: 'offer', key: 'AbC-_0123456' },
  { type: 'confirm', key: 'AbC-_0123456' },
  { type: 'cancel', key: 'AbC-_0123456' },
  { type: 'other_amount', key: 'AbC-_0123456' },
  { type: 'offer_page', orderId: '0123456789abcdef01234567', page: 12 },
  { type: 'mute', orderId: '0123456789abcdef01234567' },
  { type: 'staff_remove', staffId: 'AbC-_0123456' },
  { type: 'staff_resend', staffId: 'AbC-_0123456', allow: true },
  { type: 'invite_revoke', inviteId: 'AbC-_0123456', fromList: false },
  { type: 'act_for', accountId: 'acc_0123456789abcdef' },
  { type: 'group_claim', requestId: 'AbC-_0123456' },
];

describe('callback data codec', () => {
  it('round-trips every kind of button within 64 bytes, in the wire formats buttons already in chats use', () => {
    for (const data of samples) {
      const encoded = encodeCallback(data);
      expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(64);
      expect(parseCallback(encoded)).toEqual(data);
    }
    expect(samples.map(encodeCallback)).toEqual([
      'of:AbC-_0123456',
      'oc:AbC-_0123456',
      'ox:AbC-_0123456',
      'oa:AbC-_0123456',
      'op:0123456789abcdef01234567:12',
      'mute:0123456789abcdef01234567',
      'sr:AbC-_0123456',
      'sg:AbC-_0123456:1',
      'ir:AbC-_0123456:0',
      'aa:acc_0123456789abcdef',
      'gc:AbC-_0123456',
    ]);
  });

  it('parses nothing it did not produce: tampered, truncated, foreign or oversized data', () => {
    for (const raw of [
      undefined,
      '',
      'of:',
      'of:short',
      'of:../../x/..',
      'of:AbC-_01234567', // 13 chars
      'oc:AbC-_0123456:1',
      'op:0123456789abcdef01234567',
      'op:0123456789abcdef01234567:1000',
      'op:0123456789ABCDEF01234567:1',
      'mute:{"$ne":null}',
      'sr:AbC-_012345',
      'sg:AbC-_0123456:2',
      'ir:AbC-_0123456',
      'aa:{"$gt":""}',
      'gc:{"$ne":null}',
      'gc:AbC-_0123456:1',
      'xx:AbC-_0123456',
      `of:${'A'.repeat(70)}`,
    ]) {
      expect(parseCallback(raw), String(raw)).toBeUndefined();
    }
  });

  it('refuses to encode an invalid key (a bug, not something to send to Telegram)', () => {
    expect(() => encodeCallback({ type: 'offer', key: 'not a key' })).toThrow();
    expect(() => encodeCallback({ type: 'offer_page', orderId: '0123456789abcdef01234567', page: -1 })).toThrow();
  });
});
