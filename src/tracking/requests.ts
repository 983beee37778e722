/**
 * Schemas for what a chat sends the tracker (/status, /unwatch, "stop notifications"). Every value
 * from a chat is validated here before it reaches a MongoDB query.
 */
import { z } from 'zod';
import { MAX_REF_LENGTH } from './order-query.js';

const accountIdSchema = z.string().min(1).max(64);
export const chatIdSchema = z.number().int();
const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/);
const orderQuerySchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('id'), value: objectIdSchema }),
  z.object({
    by: z.literal('ref'),
    value: z
      .string()
      .min(1)
      .max(MAX_REF_LENGTH)
      .regex(/^[A-Za-z0-9_\-.+:@]+$/),
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
export const muteRequestSchema = z.object({ orderId: objectIdSchema, chatId: chatIdSchema });

/** /unwatch <ref>. */
export const unwatchRequestSchema = z.object({ accountId: accountIdSchema, query: orderQuerySchema });
