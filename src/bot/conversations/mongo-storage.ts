import { Schema, type Connection, type Model } from 'mongoose';
import type { VersionedStateStorage } from '@grammyjs/conversations';

interface ConversationStateDoc {
  _id: string;
  state: unknown;
  updatedAt: Date;
}

const schema = new Schema<ConversationStateDoc>(
  { _id: { type: String, required: true }, state: { type: Schema.Types.Mixed, required: true } },
  { collection: 'conversations', timestamps: { createdAt: false, updatedAt: true }, _id: false, minimize: false },
);
// An abandoned conversation (the user never answered) does not stay forever.
schema.index({ updatedAt: 1 }, { expireAfterSeconds: 7 * 24 * 3600 });

/**
 * Conversation state in MongoDB instead of process memory: a restart in the middle of "which amount?"
 * resumes the question instead of forgetting it.
 */
export function mongoConversationStorage<S>(connection: Connection): VersionedStateStorage<string, S> {
  const Model =
    (connection.models.ConversationState as Model<ConversationStateDoc> | undefined) ??
    connection.model<ConversationStateDoc>('ConversationState', schema);
  return {
    async read(key) {
      const doc = await Model.findById(key).lean<ConversationStateDoc>();
      return doc?.state as Awaited<ReturnType<VersionedStateStorage<string, S>['read']>>;
    },
    async write(key, state) {
      await Model.updateOne({ _id: key }, { $set: { state } }, { upsert: true });
    },
    async delete(key) {
      await Model.deleteOne({ _id: key });
    },
  };
}
