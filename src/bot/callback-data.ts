import type { Composer, Context } from 'grammy';
import { z } from 'zod';

/**
 * The one codec for every inline button's `callback_data`. Buttons carry short keys only
 * (Telegram allows 64 bytes, and old buttons stay clickable for days): an offer key (12 base64url
 * characters, the offer itself is in MongoDB) or an order id (24 hex). Renderers encode with
 * `encodeCallback`, handlers receive parsed, zod-validated data through `onCallback`; data that does
 * not parse (an old deploy's button, tampered data) reaches no handler.
 *
 * Wire formats (kept stable: buttons already in chats must keep working):
 *   of:<key>           press a suggested offer (shows the confirmation)
 *   oc:<key>           Confirm sending the offer
 *   ox:<key>           Cancel the confirmation
 *   oa:<key>           Other amount (dynamic plans)
 *   op:<order>:<page>  page of an order's offer buttons
 *   mute:<order>       stop notifications for an order in this chat
 *   sr:<staff>         /staff: remove a staff member (random member id, accounts/staff.ts)
 *   sg:<staff>:<0|1>   /staff: forbid (0) or allow (1) a member's re-sends
 *   ir:<invite>:<0|1>  revoke an unused invite (random invite id, not its code), from its own message (0) or /staff (1)
 *   aa:<account>       /account: act for this account in private chats
 *   gc:<request>       "I am the owner" under an anonymous /link or /unlink in a group (random request id,
 *                      accounts/group-links.ts): the presser is identified, then checked like a /link sender
 */
const offerKey = z.string().regex(/^[A-Za-z0-9_-]{12}$/);
const orderId = z.string().regex(/^[0-9a-f]{24}$/);
const randomId = z.string().regex(/^[A-Za-z0-9_-]{12}$/);
const accountId = z.string().regex(/^[A-Za-z0-9_]{1,40}$/);

const callbackSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('offer'), key: offerKey }),
  z.object({ type: z.literal('confirm'), key: offerKey }),
  z.object({ type: z.literal('cancel'), key: offerKey }),
  z.object({ type: z.literal('other_amount'), key: offerKey }),
  z.object({ type: z.literal('offer_page'), orderId, page: z.number().int().min(0).max(999) }),
  z.object({ type: z.literal('mute'), orderId }),
  z.object({ type: z.literal('staff_remove'), staffId: randomId }),
  z.object({ type: z.literal('staff_resend'), staffId: randomId, allow: z.boolean() }),
  z.object({ type: z.literal('invite_revoke'), inviteId: randomId, fromList: z.boolean() }),
  z.object({ type: z.literal('act_for'), accountId }),
  z.object({ type: z.literal('group_claim'), requestId: randomId }),
]);

export type CallbackData = z.infer<typeof callbackSchema>;
export type CallbackType = CallbackData['type'];
export type CallbackOf<T extends CallbackType> = Extract<CallbackData, { type: T }>;

const PREFIX: Record<CallbackType, string> = {
  offer: 'of',
  confirm: 'oc',
  cancel: 'ox',
  other_amount: 'oa',
  offer_page: 'op',
  mute: 'mute',
  staff_remove: 'sr',
  staff_resend: 'sg',
  invite_revoke: 'ir',
  act_for: 'aa',
  group_claim: 'gc',
};
const TYPE_OF_PREFIX = new Map(Object.entries(PREFIX).map(([type, prefix]) => [prefix, type as CallbackType]));

/** The `callback_data` of a button (validated: a bad key is a bug, not something to send to Telegram). */
export function encodeCallback(data: CallbackData): string {
  const valid = callbackSchema.parse(data);
  const prefix = PREFIX[valid.type];
  switch (valid.type) {
    case 'offer_page':
      return `${prefix}:${valid.orderId}:${valid.page}`;
    case 'mute':
      return `${prefix}:${valid.orderId}`;
    case 'staff_remove':
      return `${prefix}:${valid.staffId}`;
    case 'staff_resend':
      return `${prefix}:${valid.staffId}:${valid.allow ? 1 : 0}`;
    case 'invite_revoke':
      return `${prefix}:${valid.inviteId}:${valid.fromList ? 1 : 0}`;
    case 'act_for':
      return `${prefix}:${valid.accountId}`;
    case 'group_claim':
      return `${prefix}:${valid.requestId}`;
    default:
      return `${prefix}:${valid.key}`;
  }
}

/** Parses and validates a button's data; undefined for anything this bot did not produce. */
export function parseCallback(raw: string | undefined): CallbackData | undefined {
  if (raw === undefined || raw.length > 64) return undefined;
  const colon = raw.indexOf(':');
  if (colon < 0) return undefined;
  const type = TYPE_OF_PREFIX.get(raw.slice(0, colon));
  if (type === undefined) return undefined;
  const rest = raw.slice(colon + 1);
  let candidate: unknown;
  switch (type) {
    case 'offer_page': {
      const m = /^([^:]*):(\d{1,3})$/.exec(rest);
      candidate = m ? { type, orderId: m[1], page: Number(m[2]) } : undefined;
      break;
    }
    case 'mute':
      candidate = { type, orderId: rest };
      break;
    case 'staff_remove':
      candidate = { type, staffId: rest };
      break;
    case 'staff_resend': {
      const m = /^([^:]*):([01])$/.exec(rest);
      candidate = m ? { type, staffId: m[1], allow: m[2] === '1' } : undefined;
      break;
    }
    case 'invite_revoke': {
      const m = /^([^:]*):([01])$/.exec(rest);
      candidate = m ? { type, inviteId: m[1], fromList: m[2] === '1' } : undefined;
      break;
    }
    case 'act_for':
      candidate = { type, accountId: rest };
      break;
    case 'group_claim':
      candidate = { type, requestId: rest };
      break;
    default:
      candidate = { type, key: rest };
  }
  const parsed = callbackSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

type CallbackContext<C extends Context> = C & { callbackQuery: NonNullable<C['callbackQuery']> & { data: string } };

/** Registers `handler` for one kind of button; other callbacks go on to the next middleware. */
export function onCallback<C extends Context, T extends CallbackType>(
  composer: Composer<C>,
  type: T,
  handler: (ctx: CallbackContext<C>, data: CallbackOf<T>) => unknown,
): void {
  composer.on('callback_query:data', async (ctx, next) => {
    const data = parseCallback(ctx.callbackQuery.data);
    if (data?.type !== type) return next();
    await handler(ctx, data as CallbackOf<T>);
  });
}
