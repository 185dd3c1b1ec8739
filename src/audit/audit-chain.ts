import { createHash, createHmac } from 'node:crypto';

export const GENESIS = '0'.repeat(40);

/** How an entry's hash was made: `hmac` (HMAC-SHA256 with kdr's audit key) or `sha1` (entries before the key). */
export type ChainAlg = 'hmac' | 'sha1';

export const sha1Link = (prev: string, body: string) =>
  createHash('sha1').update(`${prev}\n${body}`).digest('hex');

export const hmacLink = (key: Buffer, prev: string, body: string) =>
  createHmac('sha256', key).update(`${prev}\n${body}`).digest('hex');

export interface Link {
  id: string;
  prev: string;
  hash: string;
  body: string;
  alg?: string;
}

/**
 * Checks links in order, from the genesis on: each hash is the keyed hash of its previous hash and its body, each
 * previous hash the one before it. Unkeyed (sha1) links are accepted only before the first keyed one (a trail
 * written before kdr keyed it); an unkeyed link after it is a forgery.
 */
export class ChainCheck {
  private expectPrev: string | undefined;
  private keyed = false;
  brokenAt?: string;
  why?: string;
  legacy = 0;
  count = 0;
  last?: Link;

  constructor(
    private readonly key: Buffer,
    /** The hash the first link must follow: GENESIS, or a checkpoint the trail was trimmed at. */
    private readonly first: string = GENESIS,
  ) {
    this.expectPrev = first;
  }

  add(l: Link): boolean {
    this.count++;
    const keyedLink = l.alg === 'hmac';
    let why: string | undefined;
    if (this.expectPrev !== undefined && l.prev !== this.expectPrev)
      why =
        this.count === 1
          ? this.first === GENESIS
            ? 'the first entry does not follow the genesis: older entries were removed'
            : 'the first entry does not follow the last archived one: entries were removed'
          : 'it does not follow the entry before it: an entry was removed or reordered';
    else if (keyedLink && hmacLink(this.key, l.prev, l.body) !== l.hash)
      why = 'its keyed hash does not match: edited, or written without kdr’s audit key';
    else if (!keyedLink && this.keyed) why = 'an unkeyed entry after keyed ones: forged';
    else if (!keyedLink && sha1Link(l.prev, l.body) !== l.hash) why = 'its hash does not match: edited';
    if (keyedLink) this.keyed = true;
    else this.legacy++;
    if (why && !this.brokenAt) {
      this.brokenAt = l.id;
      this.why = why;
    }
    this.expectPrev = l.hash;
    this.last = l;
    return !why;
  }

  /** After the last link: the stored head must be its hash (else the newest entries were removed). */
  end(head: string | null): void {
    const last = this.last?.hash ?? this.first;
    if (!this.brokenAt && head !== null && head !== last) {
      this.brokenAt = this.last?.id ?? '(start)';
      this.why = 'the newest entries were removed: the last entry is not the recorded head';
    }
  }
}
