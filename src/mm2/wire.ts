/** Kafka protocol Schema/Struct primitives as MM2 writes them: big-endian, no tags, STRING = INT16 length + UTF-8. */
export class WireReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new Error(`negative string length ${len} at byte ${this.pos - 2}`);
    this.need(len);
    const v = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new Error(
        `record too short: needed ${n} bytes at byte ${this.pos}, have ${this.buf.length - this.pos}`,
      );
    }
  }
}
