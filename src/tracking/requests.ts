/**
 * Schemas for what a chat sends the tracker (/status, /unwatch, "stop notifications"). Every value
 * from a chat is validated here before it reaches a MongoDB query.
 */
import { z } from 'zod';
import { MAX_REF_LENGTH, REF_PATTERN } from './order-query.js';

export const accountIdSchema = z.string().min(1).max(64);
export const chatIdSchema = z.number().int();
const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/);
export const orderQuerySchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('id'), value: objectIdSchema }),
  z.object({
    by: z.literal('ref'),
    value: z.string().min(1).max(MAX_REF_LENGTH).regex(REF_PATTERN),
  }),
]);

export const watchRequestSchema = z.object({
  accountId: accountIdSchema,
  chatId: chatIdSchema,
  locale: z.string().regex(/^[a-z]{2}$/),
  query: orderQuerySchema,
  /** `<chat>:<message id>` of the user's request; a redelivered update with the same key is ignored. */
  requestKey: z.string().max(64).nullable(),
  replyTo: z.number().int().nullable(),
});
export type WatchRequest = z.infer<typeof watchRequestSchema>;

/** "Stop notifications" pressed under a status message. */
export const muteRequestSchema = z.object({ orderId: objectIdSchema, chatId: chatIdSchema, accountId: accountIdSchema });

/** /unwatch <ref>. */
export const unwatchRequestSchema = z.object({ accountId: accountIdSchema, query: orderQuerySchema });

/** The order a bot message in a chat shows (a reply to it, or the status message itself). */
export const shownInRequestSchema = z.object({ accountId: accountIdSchema, chatId: chatIdSchema, messageId: z.number().int().positive() });

/** Orders named in a message (the refs and ids in its code spans): at most a handful are looked at. */
export const namedOrdersRequestSchema = z.object({ accountId: accountIdSchema, candidates: z.array(orderQuerySchema).max(20) });
