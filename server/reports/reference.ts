import { randomInt } from 'node:crypto';

/** Crockford-style alphabet without 0/O, 1/I/L, U: easy to read aloud and type. */
export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const WORDS = [
  'amber',
  'anchor',
  'apple',
  'arrow',
  'badger',
  'basil',
  'beacon',
  'birch',
  'bramble',
  'breeze',
  'cabin',
  'candle',
  'cedar',
  'chalk',
  'cliff',
  'clover',
  'comet',
  'coral',
  'cotton',
  'crane',
  'dawn',
  'delta',
  'dune',
  'ember',
  'falcon',
  'fern',
  'finch',
  'flint',
  'forest',
  'fox',
  'garnet',
  'glacier',
  'granite',
  'harbour',
  'hazel',
  'heather',
  'heron',
  'hollow',
  'island',
  'ivy',
  'jasper',
  'juniper',
  'kestrel',
  'lantern',
  'larch',
  'lemon',
  'lily',
  'linen',
  'maple',
  'marble',
  'meadow',
  'mint',
  'moss',
  'nutmeg',
  'oak',
  'ocean',
  'olive',
  'orchard',
  'otter',
  'pebble',
  'pepper',
  'pine',
  'plum',
  'pond',
  'quartz',
  'quill',
  'raven',
  'reed',
  'ridge',
  'river',
  'robin',
  'rowan',
  'saffron',
  'sage',
  'shell',
  'shore',
  'silver',
  'slate',
  'sparrow',
  'spruce',
  'stone',
  'storm',
  'summit',
  'swan',
  'thistle',
  'thyme',
  'tide',
  'timber',
  'tulip',
  'valley',
  'velvet',
  'violet',
  'walnut',
  'willow',
  'wren',
  'yarrow',
];

function chars(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return s;
}

/** `SW-7K3P-9QXD`: 30^8 ≈ 6.6e11 combinations. */
export function newReference(): string {
  return `SW-${chars(4)}-${chars(4)}`;
}

/**
 * Four words and eight unambiguous characters, e.g. `amber-heron-slate-wren-7k3p-9qxd`: 96^4 × 30^8 ≈ 2^65.6,
 * a random secret strong enough to store with a fast hash (see passphrase.ts). Shown once.
 */
export function newPassphrase(): string {
  const words = Array.from({ length: 4 }, () => WORDS[randomInt(WORDS.length)]);
  return `${words.join('-')}-${chars(4)}-${chars(4)}`.toLowerCase();
}
