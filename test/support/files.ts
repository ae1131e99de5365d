/** Small but well-formed file headers for upload tests: enough bytes to be recognised by kind. */

const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** The smallest JPEG: SOI, a JFIF APP0 segment, EOI. */
export const jpeg = bytes(
  [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10],
  'JFIF',
  [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9],
);
export const png = bytes(
  [0x89],
  'PNG',
  [0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d],
  'IHDR',
  [0, 0, 0, 1, 0, 0, 0, 1],
);
export const gif = bytes('GIF89a', [0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x3b]);
export const webp = bytes('RIFF', [0x1a, 0, 0, 0], 'WEBPVP8L', [0x0d, 0, 0, 0, 0x2f, 0, 0, 0]);
export const tiffLittleEndian = bytes([0x49, 0x49, 0x2a, 0x00, 0x08, 0, 0, 0]);
export const tiffBigEndian = bytes([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 0x08]);
export const pdf = bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n');

/** An ISO-BMFF `ftyp` box with these brands, as HEIF-family files start. */
export function ftyp(major: string, ...compatible: string[]): Buffer {
  const size = 16 + 4 * compatible.length;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size, 0);
  header.write('ftyp', 4, 'latin1');
  return bytes([...header], major, [0, 0, 0, 0], compatible.join(''), [0, 0, 0, 0x08], 'meta');
}

/** `base` with `marker` appended and padded to `size` bytes: still the same kind of file. */
export function withMarker(base: Buffer, marker: string, size = base.length + marker.length): Buffer {
  const body = Buffer.concat([base, Buffer.from(marker, 'utf8')]);
  return Buffer.concat([body, Buffer.alloc(Math.max(0, size - body.length), 0x20)]);
}
