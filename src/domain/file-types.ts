/**
 * What kind of file an upload is, judged from its first bytes (its magic number), never from
 * its name or the type the client claimed. Only the kinds an identity or business document
 * comes in are recognised: photos and scans (JPEG, PNG, HEIC/HEIF, WebP, GIF, TIFF) and PDF.
 */

const startsWith = (bytes: Buffer, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** ISO-BMFF brands (the `ftyp` box) of HEIC images and image sequences. */
const heicBrands = new Set(['heic', 'heix', 'heim', 'heis']);
const heicSequenceBrands = new Set(['hevc', 'hevx', 'hevm', 'hevs']);
/** The generic HEIF brands; AVIF shares them, so an AVIF brand beside them rules the file out. */
const heifBrands = new Set(['mif1']);
const heifSequenceBrands = new Set(['msf1']);
const avifBrands = new Set(['avif', 'avis']);

/** The media type of an HEIF-family image from its `ftyp` box, or null if it is not one we take. */
function heifType(bytes: Buffer): string | null {
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') return null;
  const boxSize = bytes.readUInt32BE(0);
  const end = Math.min(Math.max(boxSize, 16), bytes.length);
  const major = bytes.toString('latin1', 8, 12);
  const compatible = new Set<string>();
  for (let i = 16; i + 4 <= end; i += 4) compatible.add(bytes.toString('latin1', i, i + 4));
  const brands = new Set([major, ...compatible]);
  const has = (set: Set<string>) => [...brands].some((b) => set.has(b));
  if (heicBrands.has(major)) return 'image/heic';
  if (heicSequenceBrands.has(major)) return 'image/heic-sequence';
  if (!heifBrands.has(major) && !heifSequenceBrands.has(major)) return null;
  if (has(avifBrands)) return null;
  if (has(heicBrands)) return 'image/heic';
  if (has(heicSequenceBrands)) return 'image/heic-sequence';
  return heifBrands.has(major) ? 'image/heif' : 'image/heif-sequence';
}

/** The media type of `bytes` if it is a kind of file we accept, else null. */
export function sniffMediaType(bytes: Buffer): string | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  // Little- and big-endian TIFF, and their BigTIFF forms.
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return 'image/tiff';
  }
  if (startsWith(bytes, ascii('%PDF-'))) return 'application/pdf';
  return heifType(bytes);
}

/** The kinds `sniffMediaType` recognises, for messages. */
export const acceptedKinds = 'JPEG, PNG, HEIC/HEIF, WebP, GIF, TIFF or PDF';
