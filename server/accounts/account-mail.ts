import { formatUkTimeOnDate } from '../../shared/time';
import { recordDeliveries } from '../alerts/outbox';
import { compose, type Email } from '../mail/compose';

/**
 * Emails about the account itself (sign-in locked, someone tried to register with this address, welcome), sent
 * through the alerts outbox: recorded before anything else happens and sent by the delivery worker (in the
 * server process, or `npm run worker`), with its retries and its once-only Message-ID. Nothing here is edited
 * in server/alerts/.
 *
 * They are recorded with kind `confirm`, the outbox's kind for transactional mail: never listed among "the
 * alerts you were sent", no unsubscribe footer (there is no subscription), and, as they carry the user id,
 * deleted with the account through the user's delivery history. (A kind of their own would need the alerts
 * module to treat it like `confirm`.)
 *
 * No email contains a password, the attempted ones included, nor anything a registrant typed (a name given with
 * someone else's address would otherwise reach their inbox). Repeating notices (locks, registration attempts)
 * have one delivery key per account and UTC day, so an attacker cannot flood an inbox through them.
 */
export interface MailUser {
  _id: { toString(): string };
  email: string;
}

const SIGN_OFF = 'StayWatch will never ask for your password by email, and this email does not contain it.';
const FORGOTTEN =
  'If you have forgotten your password, police officers can ask their force’s StayWatch administrator; property owners and hosts can contact the StayWatch team that runs your area’s pilot.';

export function signInLockedEmail(input: { until: Date; signInUrl: string }): Email {
  return compose('Sign-in to your StayWatch account is paused', [
    { p: 'Hello,' },
    {
      p: 'There were many failed sign-in attempts to your StayWatch account with a wrong password, possibly from several places. To protect the account, we have locked sign-in for a short time.',
    },
    { p: `The lock ends by itself at ${formatUkTimeOnDate(input.until)}. After that, sign in as usual with your password:` },
    { link: { href: input.signInUrl, label: 'Sign in to StayWatch' } },
    {
      p: 'If these attempts were not yours, someone may be guessing your password. Your password has not been changed. Use a long password that you use nowhere else.',
    },
    { p: FORGOTTEN },
    { p: SIGN_OFF },
  ]);
}

export function registrationAttemptEmail(input: { signInUrl: string }): Email {
  return compose('Someone tried to register a StayWatch account with your email', [
    { p: 'Hello,' },
    {
      p: 'Someone tried to register a new StayWatch account with this email address. You already have an account, so nothing was created or changed.',
    },
    { p: 'If it was you, sign in with your existing account:' },
    { link: { href: input.signInUrl, label: 'Sign in to StayWatch' } },
    { p: `If it was not you, you need not do anything. ${FORGOTTEN}` },
    { p: SIGN_OFF },
  ]);
}

export function passwordResetEmail(input: { url: string; expiresAt: Date }): Email {
  return compose('Set a new StayWatch password', [
    { p: 'Hello,' },
    { p: 'Your StayWatch administrator has made a link for you to choose a new password. Open it and choose a new password:' },
    { link: { href: input.url, label: 'Choose a new password' } },
    { p: `The link works once, until ${formatUkTimeOnDate(input.expiresAt)}. Choosing a new password signs you out everywhere.` },
    { p: 'If you did not ask for this, tell your administrator; your password stays as it is until the link is used.' },
    { p: SIGN_OFF },
  ]);
}

export function welcomeEmail(input: { signInUrl: string }): Email {
  return compose('Welcome to StayWatch', [
    { p: 'Hello,' },
    { p: 'Your StayWatch account has been created with this email address. Sign in with the password you chose:' },
    { link: { href: input.signInUrl, label: 'Sign in to StayWatch' } },
    {
      p: 'If you did not create this account, someone else used your address: do not sign in, and tell the StayWatch team that runs your area’s pilot.',
    },
    { p: SIGN_OFF },
  ]);
}

const day = (at: Date) => at.toISOString().slice(0, 10);

export class AccountMail {
  constructor(private readonly publicUrl: string) {}

  private get signInUrl(): string {
    return `${this.publicUrl}/sign-in`;
  }

  /** The account has just been locked after many failed sign-ins: one email per account and day. */
  async signInLocked(user: MailUser, until: Date, now = new Date()): Promise<void> {
    await this.send(
      user,
      `account:signin-locked:${user._id}:${day(now)}`,
      signInLockedEmail({ until, signInUrl: this.signInUrl }),
      true,
    );
  }

  /** Someone registered with this account's email: one email per account and day. */
  async registrationAttempt(user: MailUser, now = new Date()): Promise<void> {
    await this.send(
      user,
      `account:register-attempt:${user._id}:${day(now)}`,
      registrationAttemptEmail({ signInUrl: this.signInUrl }),
      true,
    );
  }

  /** A password-reset link an admin made: one email per link. */
  async passwordReset(user: MailUser, link: { url: string; expiresAt: Date; hash: string }): Promise<void> {
    await this.send(user, `account:password-reset:${link.hash.slice(0, 32)}`, passwordResetEmail(link), false);
  }

  async welcome(user: MailUser): Promise<void> {
    await this.send(user, `account:welcome:${user._id}`, welcomeEmail({ signInUrl: this.signInUrl }), false);
  }

  private async send(user: MailUser, key: string, email: Email, mayRepeat: boolean): Promise<void> {
    await recordDeliveries([
      { key, kind: 'confirm', subscriptionId: null, userId: user._id.toString(), to: user.email, email, mayRepeat },
    ]);
  }
}
