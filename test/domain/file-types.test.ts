import { describe, expect, it } from 'vitest';
import { sniffMediaType } from '../../src/domain/file-types.js';
import { ftyp, gif, jpeg, pdf, png, tiffBigEndian, tiffLittleEndian, webp } from '../support/files.js';

describe('sniffMediaType', () => {
  it.each([
    ['JPEG', jpeg, 'image/jpeg'],
    ['PNG', png, 'image/png'],
    ['GIF', gif, 'image/gif'],
    ['WebP', webp, 'image/webp'],
    ['TIFF (II)', tiffLittleEndian, 'image/tiff'],
    ['TIFF (MM)', tiffBigEndian, 'image/tiff'],
    ['BigTIFF', Buffer.from([0x49, 0x49, 0x2b, 0x00, 0x08, 0x00, 0x00, 0x00]), 'image/tiff'],
    ['PDF', pdf, 'application/pdf'],
    ['HEIC (heic brand)', ftyp('heic', 'mif1', 'heic'), 'image/heic'],
    ['HEIC (heix brand)', ftyp('heix', 'mif1'), 'image/heic'],
    ['HEIC (mif1 with a heic brand)', ftyp('mif1', 'mif1', 'heic'), 'image/heic'],
    ['HEIC sequence', ftyp('hevc', 'msf1'), 'image/heic-sequence'],
    ['HEIF', ftyp('mif1', 'mif1', 'miaf'), 'image/heif'],
    ['HEIF sequence', ftyp('msf1', 'msf1'), 'image/heif-sequence'],
  ])('recognises %s', (_, bytes, type) => {
    expect(sniffMediaType(bytes)).toBe(type);
  });

  it.each([
    ['nothing', Buffer.alloc(0)],
    ['text', Buffer.from('%PD is not a PDF')],
    ['a JPEG cut short', jpeg.subarray(0, 2)],
    ['a PNG signature cut short', png.subarray(0, 7)],
    ['a WAV (RIFF but not WebP)', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')],
    ['AVIF', ftyp('avif', 'mif1', 'miaf', 'avif')],
    ['AVIF declared as mif1', ftyp('mif1', 'avif', 'miaf')],
    ['an MP4 video', ftyp('isom', 'isom', 'mp41')],
    ['a PDF header after other bytes', Buffer.concat([Buffer.from('junk'), pdf])],
    ['HTML', Buffer.from('<!doctype html><title>x</title>')],
  ])('does not take %s', (_, bytes) => {
    expect(sniffMediaType(bytes)).toBeNull();
  });
});
