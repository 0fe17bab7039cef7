import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { passwordEmailProblem } from '../../shared/schemas/auth';
import { errors } from '../http/errors';

/**
 * The password policy for passwords people choose (registration, staff accounts made by an admin or the CLI):
 * - at least LIMITS.passwordMin characters (the shared zod schema, so the client says it too);
 * - not the email, nor containing its local part (`passwordEmailProblem`, also in the shared schema);
 * - not one of the most common passwords or an easy variant of one: zxcvbn-ts with its common-password list and
 *   keyboard patterns must rate it at least MIN_SCORE ("safely unguessable", about 10^8 guesses). A 12-character
 *   minimum alone lets `password1234` and `qwertyuiop12` through.
 * Only the first CHECKED_CHARS characters are rated: the estimate's cost grows fast with length (a 200-character
 * l33t pattern takes about half a second), and a password whose first 64 characters are strong is strong.
 */
const MIN_SCORE = 3;
const CHECKED_CHARS = 64;

let rater: ZxcvbnFactory | undefined;

/** Built on first use (the dictionaries are a few MB): importing this module costs nothing. */
function zxcvbn(): ZxcvbnFactory {
  rater ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, l33tMaxSubstitutions: 8 });
  return rater;
}

/** What is wrong with `password` for this account, or null when it may be used. */
export function passwordProblem(password: string, account: { email: string; name?: string }): string | null {
  const mentionsEmail = passwordEmailProblem(password, account.email);
  if (mentionsEmail) return mentionsEmail;
  const email = account.email.trim().toLowerCase();
  const hints = [email, email.split('@')[0] ?? '', ...(account.name ? account.name.toLowerCase().split(/\s+/) : [])].filter(
    (h) => h.length >= 3,
  );
  const { score } = zxcvbn().check(password.slice(0, CHECKED_CHARS), hints);
  if (score < MIN_SCORE) {
    return 'This password is too common or too easy to guess. Try a longer phrase of three or four unrelated words';
  }
  return null;
}

/** Throws the 400 `validation_failed` the route layer uses, with the problem on `body.password`. */
export function checkPasswordPolicy(password: string, account: { email: string; name?: string }): void {
  const problem = passwordProblem(password, account);
  if (problem) throw errors.invalid('Invalid input', 'body.password', problem);
}
