import { VERIFICATION_LIMITS } from '../../shared/schemas/verification';
import { escapeHtml } from '../mail/compose';

const longDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', dateStyle: 'long' });

/**
 * The letter police or an admin print and post to the property: the address, the one-time code and how to use
 * it. It names no report and no concern: whoever opens it learns only that the address was registered.
 */
export function verificationLetter(input: { address: string; code: string; expiresAt: Date; reference: string }): {
  text: string;
  html: string;
} {
  const until = longDate.format(input.expiresAt);
  const paragraphs = [
    'Someone registered this address on StayWatch, the service local police use to keep owners of short-let and ' +
      'holiday properties informed. To confirm that the account belongs to the owner, sign in to StayWatch, open ' +
      '"My properties and alerts" and enter this code next to the address:',
    `The code works until ${until}, only for the account that registered this address, and can be tried ${VERIFICATION_LIMITS.codeAttempts} times.`,
    'If you did not register this property on StayWatch, do not use the code. Please tell your local police on 101 ' +
      `and quote reference ${input.reference}.`,
  ];
  const text = [
    'StayWatch: confirming the owner of this property',
    '',
    'To the owner of:',
    input.address,
    '',
    paragraphs[0],
    '',
    `    ${input.code}`,
    '',
    paragraphs[1],
    '',
    paragraphs[2],
    '',
  ].join('\n');
  const html = [
    '<!doctype html>',
    '<html lang="en-GB"><head><meta charset="utf-8"><title>StayWatch: confirming the owner of this property</title></head>',
    '<body style="font-family:Arial,sans-serif;max-width:40em;margin:2em auto;line-height:1.5">',
    '<h1 style="font-size:1.3em">StayWatch: confirming the owner of this property</h1>',
    `<p>To the owner of:<br><strong>${escapeHtml(input.address)}</strong></p>`,
    `<p>${escapeHtml(paragraphs[0]!)}</p>`,
    `<p style="font-size:1.8em;letter-spacing:0.15em;font-family:monospace;text-align:center"><strong>${escapeHtml(input.code)}</strong></p>`,
    `<p>${escapeHtml(paragraphs[1]!)}</p>`,
    `<p>${escapeHtml(paragraphs[2]!)}</p>`,
    '</body></html>',
  ].join('\n');
  return { text, html };
}
