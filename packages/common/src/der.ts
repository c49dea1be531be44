// DER, the binary encoding of ASN.1 that X.509 certificates are written in: only the types a
// certificate needs (certificates.ts builds them from these). Each function returns one whole
// encoded element (tag, length, contents), so elements nest by concatenation.

function encodedLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** An element from its tag byte and contents. */
export function element(tag: number, contents: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodedLength(contents.length), contents]);
}

export function sequence(...items: Buffer[]): Buffer {
  return element(0x30, Buffer.concat(items));
}

export function set(...items: Buffer[]): Buffer {
  return element(0x31, Buffer.concat(items));
}

/** A non-negative INTEGER from its big-endian magnitude (minimal form, a 0x00 before a high bit). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const bytes = Buffer.from(magnitude.subarray(start));
  return element(0x02, (bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

export function smallInteger(value: number): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return unsignedInteger(Uint8Array.from(bytes.length > 0 ? bytes : [0]));
}

export function boolean(value: boolean): Buffer {
  return element(0x01, Buffer.from([value ? 0xff : 0]));
}

export function nullValue(): Buffer {
  return element(0x05, Buffer.alloc(0));
}

/** An OBJECT IDENTIFIER from its dotted form (`2.5.4.3`). */
export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc % 128];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      base128.unshift(0x80 | (value % 128));
    }
    bytes.push(...base128);
  }
  return element(0x06, Uint8Array.from(bytes));
}

export function octetString(contents: Uint8Array): Buffer {
  return element(0x04, contents);
}

/** A BIT STRING of whole bytes (keys and signatures). */
export function bitString(contents: Uint8Array): Buffer {
  return element(0x03, Buffer.concat([Buffer.from([0]), contents]));
}

/** A named-bit BIT STRING (e.g. KeyUsage) from the numbers of its set bits, trailing zero bits removed. */
export function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(-1, ...bits);
  const bytes = Buffer.alloc(Math.ceil((highest + 1) / 8));
  for (const bit of bits) bytes[Math.floor(bit / 8)] = (bytes[Math.floor(bit / 8)] ?? 0) | (0x80 >> (bit % 8));
  const unused = highest < 0 ? 0 : 7 - (highest % 8);
  return element(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/** PrintableString when the text allows it (as most certificate tools write names), else UTF8String. */
export function directoryString(text: string): Buffer {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text);
  return element(printable ? 0x13 : 0x0c, Buffer.from(text, "utf8"));
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 requires; whole seconds, UTC. */
export function time(date: Date): Buffer {
  const digits = date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:T]/g, "");
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? element(0x17, Buffer.from(digits.slice(2), "ascii"))
    : element(0x18, Buffer.from(digits, "ascii"));
}

/** `[n]` EXPLICIT: a constructed context tag around one element. */
export function explicit(tagNumber: number, inner: Buffer): Buffer {
  return element(0xa0 | tagNumber, inner);
}

/** `[n]` IMPLICIT on a primitive type: the context tag replaces the type's own. */
export function implicitPrimitive(tagNumber: number, contents: Uint8Array): Buffer {
  return element(0x80 | tagNumber, contents);
}
