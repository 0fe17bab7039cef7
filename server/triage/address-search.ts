import type { ReportIndex } from '../map/report-index';

/**
 * Address words → reports, in memory, for the officer's search box. Built from a ReportIndex's interned address
 * table (each distinct address once) and its slots: a sorted word list with, per word, the address codes that hold
 * it, and the slots of each address code (CSR). A query word matches every word it is a prefix of; a report
 * matches when each query word does. Nothing touches the database.
 *
 * The index grows after the build (reports appended, new addresses interned): slots and addresses past the build
 * are checked directly (at most the index's unsorted tail, ≤ 20,000), and the whole thing is rebuilt once that tail
 * grows past REBUILD_TAIL or the ReportIndex is replaced (compaction makes a new instance).
 */

const REBUILD_TAIL = 50_000;
/** Address codes a query visits at most per word before giving up on that word as too vague. */
export const MAX_WORD_POSTINGS = 2_000_000;

export function addressWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

export class AddressSearchIndex {
  /** Distinct words, sorted; `postings[k]` holds the address codes with word `words[k]`, ascending. */
  private words: string[] = [];
  private postings: Uint32Array[] = [];
  /** Slots per address code over slots [0, builtSlots): slotsOf[start[c] .. start[c + 1]). */
  private start = new Uint32Array(1);
  private slotsOf = new Uint32Array(0);
  readonly builtSlots: number;
  readonly builtAddresses: number;
  private stamp: Int32Array;
  private hits: Uint16Array;
  private query = 0;

  constructor(readonly ix: ReportIndex) {
    const addresses = ix.addresses;
    const A = addresses.length;
    this.builtAddresses = A;
    this.builtSlots = ix.n;
    const byWord = new Map<string, number[]>();
    for (let c = 1; c < A; c++) {
      const a = addresses[c];
      if (!a) continue;
      for (const w of new Set(addressWords(a))) {
        const list = byWord.get(w);
        if (list) list.push(c);
        else byWord.set(w, [c]);
      }
    }
    this.words = [...byWord.keys()].sort();
    this.postings = this.words.map((w) => Uint32Array.from(byWord.get(w)!));
    const n = ix.n;
    const count = new Uint32Array(A + 1);
    for (let s = 0; s < n; s++) if (ix.alive[s]) count[ix.addr[s]! + 1]!++;
    for (let c = 0; c < A; c++) count[c + 1]! += count[c]!;
    this.start = count.slice();
    this.slotsOf = new Uint32Array(count[A]!);
    for (let s = 0; s < n; s++) if (ix.alive[s]) this.slotsOf[count[ix.addr[s]!]!++] = s;
    this.stamp = new Int32Array(A);
    this.hits = new Uint16Array(A);
  }

  /** Too much has been added since the build. */
  stale(ix: ReportIndex): boolean {
    return ix !== this.ix || ix.n - this.builtSlots > REBUILD_TAIL || ix.addresses.length - this.builtAddresses > REBUILD_TAIL;
  }

  private firstAtLeast(w: string): number {
    let lo = 0;
    let hi = this.words.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.words[mid]! < w) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Alive slots whose address holds every word of `text` (each as a word prefix), passing `keep`. */
  match(text: string, keep: (slot: number) => boolean): number[] {
    const q = [...new Set(addressWords(text))];
    if (!q.length || q.length > 0xffff) return [];
    const ix = this.ix;
    const query = ++this.query;
    const { stamp, hits } = this;
    // Codes counted per query word (a code counts once per word, whatever the number of its words that match).
    for (let k = 0; k < q.length; k++) {
      const w = q[k]!;
      let visited = 0;
      for (let i = this.firstAtLeast(w); i < this.words.length && this.words[i]!.startsWith(w); i++) {
        const list = this.postings[i]!;
        visited += list.length;
        if (visited > MAX_WORD_POSTINGS) break;
        for (let j = 0; j < list.length; j++) {
          const c = list[j]!;
          if (stamp[c] !== query) {
            if (k > 0) continue;
            stamp[c] = query;
            hits[c] = 0;
          }
          if (hits[c] === k) hits[c] = k + 1;
        }
      }
    }
    const out: number[] = [];
    const need = q.length;
    const codeMatches = (c: number): boolean => {
      if (c < this.builtAddresses) return stamp[c] === query && hits[c] === need;
      const words = addressWords(ix.addresses[c] ?? '');
      return q.every((w) => words.some((x) => x.startsWith(w)));
    };
    for (let c = 1; c < this.builtAddresses; c++) {
      if (stamp[c] !== query || hits[c] !== need) continue;
      for (let i = this.start[c]!; i < this.start[c + 1]!; i++) {
        const s = this.slotsOf[i]!;
        // A slot whose report moved or died since the build is skipped here (a moved one is in the tail).
        if (ix.alive[s] && ix.addr[s] === c && keep(s)) out.push(s);
      }
    }
    for (let s = this.builtSlots; s < ix.n; s++) if (ix.alive[s] && codeMatches(ix.addr[s]!) && keep(s)) out.push(s);
    return out;
  }
}

const built = new WeakMap<ReportIndex, AddressSearchIndex>();

/** The address search of this ReportIndex, built on first use and rebuilt when stale. */
export function addressSearchOf(ix: ReportIndex): AddressSearchIndex {
  let a = built.get(ix);
  if (!a || a.stale(ix)) {
    a = new AddressSearchIndex(ix);
    built.set(ix, a);
  }
  return a;
}
