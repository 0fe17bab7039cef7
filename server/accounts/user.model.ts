import { type HydratedDocument, model, Schema, type Model } from 'mongoose';
import { ROLES, type Role } from '../../shared/schemas/auth';

export interface User {
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  forceId: string | null;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}
export type UserDoc = HydratedDocument<User>;

const schema = new Schema<User>(
  {
    email: {
      type: String,
      required: true,
      unique: true,
      lowercase: true,
      trim: true,
    },
    name: { type: String, required: true },
    passwordHash: { type: String, required: true },
    role: { type: String, required: true, enum: ROLES },
    forceId: { type: String, default: null },
    disabled: { type: Boolean, default: false },
  },
  { timestamps: true },
);

export const UserModel: Model<User> = model<User>('User', schema);
