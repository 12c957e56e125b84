// Near-duplicate questions without an embedding endpoint (docs/design.md §12). Streaming and
// keep-first: a question is a near-duplicate when an earlier *kept* question of the same scope is
// similar enough (Jaccard of the word n-gram sets). Within one caption (the default scope, a few
// dozen questions) `ExactJaccardIndex` compares with every kept question — exact, and cheaper than
// hashing. Job-wide, `MinHashIndex`: MinHash signatures, banded locality-sensitive hashing for
// candidates (8 bands × 8 rows: the S-curve's midpoint is near Jaccard 0.77, so templated questions
// that share half their bigrams rarely collide), and a cap on how much of each bucket is scanned
// (newest first), so a hot bucket cannot turn the scan quadratic; the exact Jaccard decides.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(text: string, seed = FNV_OFFSET): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** murmur3's finaliser: a cheap, well-mixed 32-bit permutation. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;

export function normalizeQuestion(text: string): string {
  // ASCII is its own NFKC form, and its only letters and digits are [a-z0-9]: the cheap path
  if (!NON_ASCII.test(text)) {
    return text
      .toLowerCase()
      .replace(/[^a-z0-9\s]+/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  }
  return text
    .toLowerCase()
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N}\s]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Sorted unique hashes of the word n-grams (whole text when shorter than n); `normalized`: normalizeQuestion(text) when already at hand. */
export function shingles(text: string, n: number, normalized: string = normalizeQuestion(text)): Uint32Array {
  const words = normalized.split(" ").filter(Boolean);
  const set = new Set<number>();
  if (words.length <= n) set.add(fnv1a(words.join(" ")));
  else {
    // FNV-1a streams: hashing word by word with the space between equals hashing the joined n-gram
    for (let i = 0; i + n <= words.length; i++) {
      let h = fnv1a(words[i]);
      for (let k = 1; k < n; k++) h = fnv1a(words[i + k], Math.imul(h ^ 32, FNV_PRIME) >>> 0);
      set.add(h);
    }
  }
  return Uint32Array.from(set).sort();
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  const union = a.length + b.length - shared;
  return union === 0 ? 1 : shared / union;
}

export interface MinHashOptions {
  /** Word n-gram size. */
  ngram: number;
  /** Jaccard at or above which a question is a near-duplicate. */
  threshold: number;
  bands: number;
  rows: number;
  /** Entries of one bucket compared at most (newest first); bounds the work per question. */
  bucketCap: number;
}

export const DEFAULT_MINHASH: MinHashOptions = { ngram: 2, threshold: 0.8, bands: 8, rows: 8, bucketCap: 32 };

export interface NearDuplicateIndex {
  /** `normalized`: normalizeQuestion(text) when the caller already has it. */
  check(id: number, text: string, scope?: string, normalized?: string): NearDuplicateHit | null;
}

/** All-pairs Jaccard against the kept questions: exact, for small scopes (one caption's questions). */
export class ExactJaccardIndex implements NearDuplicateIndex {
  private readonly sets: Uint32Array[] = [];
  private readonly ids: number[] = [];

  constructor(private readonly options: { ngram: number; threshold: number } = DEFAULT_MINHASH) {}

  check(id: number, text: string, _scope?: string, normalized?: string): NearDuplicateHit | null {
    const set = shingles(text, this.options.ngram, normalized);
    let best: NearDuplicateHit | null = null;
    for (let i = 0; i < this.sets.length; i++) {
      const similarity = jaccard(set, this.sets[i]);
      if (similarity >= this.options.threshold && (!best || similarity > best.similarity)) best = { of: this.ids[i], similarity };
    }
    if (best) return best;
    this.sets.push(set);
    this.ids.push(id);
    return null;
  }
}

export interface NearDuplicateHit {
  /** The id the earlier kept question was added with. */
  of: number;
  similarity: number;
}

/**
 * The kept questions so far. Buckets live in an open-addressing table of typed arrays (band key →
 * head of a chain through `next`), grown by doubling: memory is a few words per kept question and
 * band, with no per-entry objects.
 */
export class MinHashIndex implements NearDuplicateIndex {
  private readonly options: MinHashOptions;
  private readonly seeds: Uint32Array;
  private keys = new Uint32Array(1 << 12);
  private heads = new Int32Array(1 << 12).fill(-1);
  private used = 0;
  private next = new Int32Array(1024);
  private entryItem = new Int32Array(1024);
  private entries = 0;
  private readonly items: Uint32Array[] = [];
  private readonly ids: number[] = [];

  constructor(options: Partial<MinHashOptions> = {}) {
    this.options = { ...DEFAULT_MINHASH, ...options };
    const count = this.options.bands * this.options.rows;
    this.seeds = new Uint32Array(count);
    for (let i = 0; i < count; i++) this.seeds[i] = mix(0x9e3779b9 + i * 0x632be5ab);
  }

  /** Jaccard computations so far (bounded by questions × bands × bucketCap). */
  comparisons = 0;

  get size(): number {
    return this.items.length;
  }

  private bandKeys(set: Uint32Array, scope: number): Uint32Array {
    const { bands, rows } = this.options;
    const signature = new Uint32Array(bands * rows).fill(0xffffffff);
    for (let s = 0; s < set.length; s++) {
      const x = set[s];
      for (let k = 0; k < signature.length; k++) {
        const h = mix(x ^ this.seeds[k]);
        if (h < signature[k]) signature[k] = h;
      }
    }
    const keys = new Uint32Array(bands);
    for (let b = 0; b < bands; b++) {
      let h = mix(scope ^ Math.imul(b + 1, 0x27d4eb2d));
      for (let r = 0; r < rows; r++) h = mix(h ^ signature[b * rows + r]);
      // 0 marks an empty slot
      keys[b] = h === 0 ? 1 : h;
    }
    return keys;
  }

  private slot(key: number): number {
    const mask = this.keys.length - 1;
    let i = mix(key) & mask;
    while (this.keys[i] !== 0 && this.keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldHeads = this.heads;
    this.keys = new Uint32Array(oldKeys.length * 2);
    this.heads = new Int32Array(oldKeys.length * 2).fill(-1);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] === 0) continue;
      const s = this.slot(oldKeys[i]);
      this.keys[s] = oldKeys[i];
      this.heads[s] = oldHeads[i];
    }
  }

  private insert(key: number, item: number): void {
    if ((this.used + 1) * 2 > this.keys.length) this.grow();
    const s = this.slot(key);
    if (this.keys[s] === 0) {
      this.keys[s] = key;
      this.used++;
    }
    if (this.entries === this.next.length) {
      const next = new Int32Array(this.next.length * 2);
      next.set(this.next);
      this.next = next;
      const entryItem = new Int32Array(this.entryItem.length * 2);
      entryItem.set(this.entryItem);
      this.entryItem = entryItem;
    }
    this.entryItem[this.entries] = item;
    this.next[this.entries] = this.heads[s];
    this.heads[s] = this.entries++;
  }

  /**
   * Checks a question against the kept ones of its scope; keeps it (adds it) when it is not a
   * near-duplicate. Returns the most similar earlier question when it is one.
   */
  check(id: number, text: string, scope = "", normalized?: string): NearDuplicateHit | null {
    const set = shingles(text, this.options.ngram, normalized);
    const keys = this.bandKeys(set, fnv1a(scope));
    let best: NearDuplicateHit | null = null;
    const seen = new Set<number>();
    const cap = this.options.bucketCap;
    for (let b = 0; b < keys.length; b++) {
      const s = this.slot(keys[b]);
      if (this.keys[s] === 0) continue;
      let scanned = 0;
      for (let e = this.heads[s]; e !== -1 && scanned < cap; e = this.next[e], scanned++) {
        const item = this.entryItem[e];
        if (seen.has(item)) continue;
        seen.add(item);
        this.comparisons++;
        const similarity = jaccard(set, this.items[item]);
        if (similarity >= this.options.threshold && (!best || similarity > best.similarity)) best = { of: this.ids[item], similarity };
      }
    }
    if (best) return best;
    const item = this.items.length;
    this.items.push(set);
    this.ids.push(id);
    for (let b = 0; b < keys.length; b++) this.insert(keys[b], item);
    return null;
  }
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
