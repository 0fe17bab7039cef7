import { model, Schema, type Model, type Types } from 'mongoose';

/**
 * `_id` is the SHA-256 of the cookie token, so lookups use the `_id` index on every engine. `userId` is not
 * indexed: no request looks sessions up by user (each user's session ids are listed in `usersessions`).
 */
export interface Session {
  _id: string;
  userId: Types.ObjectId;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  absoluteExpiresAt: Date;
}

const schema = new Schema<Session>(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    csrfToken: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    absoluteExpiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const SessionModel: Model<Session> = model<Session>('Session', schema);
