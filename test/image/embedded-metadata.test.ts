import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { readSourceMetadata } from '../../src/image/embedded-metadata.ts';
import { fixture } from '../support/fixtures.ts';
import { pngChunk, pngPixels, pngStart, pngWith } from '../support/png-chunks.ts';

const read = async (name: string, includeGpsPosition = false) =>
  readSourceMetadata(await fixture(name), { includeGpsPosition });

describe('the EXIF, XMP, IPTC and ICC summary of a source', () => {
  it.each([
    ['Canon_40D.jpg', 'Canon', 'Canon EOS 40D', '2008-05-30T15:56:01'],
    ['Canon_5DMkIII_22MP.jpg', 'Canon', 'Canon EOS 5D Mark III', '2016-01-12T15:33:28'],
    ['DSCN0010.jpg', 'NIKON', 'COOLPIX P6000', '2008-10-22T16:28:39'],
    ['adobergb_16bit_photoshop.tiff', 'FUJIFILM', 'X-T2', '2018-10-12T14:45:38'],
    ['webp_exif_gps.webp', 'HTC', 'HTC Desire', '2011-05-06T09:59:48'],
    ['avif_orientation6.avif', 'Apple', 'iPhone XS', '2020-03-05T11:28:10'],
  ])('gives the camera and capture time of %s', async (name, make, model, capturedAt) => {
    const { camera } = await read(name);
    expect(camera).toMatchObject({ make, model, capturedAt });
  });

  it('gives the exposure, the lens (from XMP when EXIF has none) and the software', async () => {
    const { camera } = await read('Canon_5DMkIII_22MP.jpg');
    expect(camera).toMatchObject({
      lens: 'EF24-70mm f/2.8L USM',
      software: 'Adobe Photoshop CC 2017 (Macintosh)',
      exposureSeconds: 0.005,
      fNumber: 2.8,
      iso: 1000,
      focalLengthMm: 35,
    });
  });

  it("gives the capture time's offset from UTC when the camera recorded one", async () => {
    const { camera } = await read('iPhone11Pro_IMG_2929.HEIC');
    expect([camera.model, camera.capturedAt, camera.capturedAtOffset]).toEqual([
      'iPhone 11 Pro',
      '2020-05-04T18:44:06',
      '-04:00',
    ]);
    expect((await read('Canon_40D.jpg')).camera.capturedAtOffset).toBeUndefined();
  });

  it.each([
    ['Oppo_R7_Plus_13MP_gps.jpg', true],
    ['Issue_508_1x1_iPhoneXR_gps.jpg', true],
    ['DSCN0010.jpg', true],
    ['webp_exif_gps.webp', true],
    ['avif_orientation6.avif', true],
    // The 40D writes a GPS directory with only a version in it: no position.
    ['Canon_40D.jpg', false],
    ['Landscape_1.jpg', false],
    ['display_p3.png', false],
  ])('says whether %s carried a GPS position: %s', async (name, gps) => {
    const summary = await read(name);
    expect(summary.embedded.gps).toBe(gps);
    expect(summary.gpsPosition).toBeUndefined();
  });

  it('gives the GPS position itself only when asked for it', async () => {
    const { gpsPosition } = await read('DSCN0010.jpg', true);
    expect(gpsPosition?.latitude).toBeCloseTo(43.4674, 3);
    expect(gpsPosition?.longitude).toBeCloseTo(11.8851, 3);
    expect(JSON.stringify(await read('DSCN0010.jpg'))).not.toMatch(/43\.46|latitude/);
  });

  it.each([
    ['display_p3.png', 'Display P3'],
    ['Canon_EOS_7D_AdobeRGB.jpg', 'Adobe RGB (1998)'],
    ['adobergb_16bit_photoshop.tiff', 'Adobe RGB (1998)'],
    ['Canon_40D.jpg', 'sRGB IEC61966-2.1'],
    ['cmyk_fogra39.tif', 'Coated FOGRA39 (ISO 12647-2:2004)'],
  ])("names the ICC profile of %s from its 'desc' tag: %s", async (name, description) => {
    const { embedded } = await read(name);
    expect([embedded.iccProfile, embedded.iccDescription]).toEqual([true, description]);
  });

  it('says which blocks a source carried: XMP, IPTC, a thumbnail, a gain map', async () => {
    expect((await read('Landscape_9_iptc_xmp.jpg')).embedded).toMatchObject({
      exif: true,
      xmp: true,
      iptc: true,
    });
    expect((await read('Canon_40D.jpg')).embedded).toMatchObject({ thumbnail: true, xmp: false });
    expect((await read('ultrahdr_gainmap.jpg')).embedded.gainMap).toBe(true);
    expect((await read('Canon_5DMkIII_22MP.jpg')).embedded.gainMap).toBe(false);
    expect((await read('tiny_2x2.png')).embedded).toEqual({
      exif: false,
      xmp: false,
      iptc: false,
      gps: false,
      iccProfile: false,
      gainMap: false,
      thumbnail: false,
    });
  });

  it('reads what it can of malformed EXIF and never throws', async () => {
    for (const name of ['30-type_error_bad_exif.jpg', 'invalid_exif_image00971.jpg']) {
      const summary = await read(name);
      expect(summary.camera.capturedAt).toMatch(/^20\d\d-/);
    }
    expect((await read('broken_corrupt_header.jpg')).camera).toEqual({});
  });
});

describe('an XMP block that would be slow to parse', () => {
  const xmpPng = (body: string) => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF ' +
      'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description ' +
      'rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
      body +
      '</rdf:Description></rdf:RDF></x:xmpmeta>';
    const keyword = Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1');
    return pngWith(64, 64, [pngChunk('iTXt', Buffer.concat([keyword, Buffer.from(xmp)]))]);
  };
  const nested = (depth: number) =>
    '<dc:b><rdf:Bag><rdf:li>'.repeat(depth) + 'x' + '</rdf:li></rdf:Bag></dc:b>'.repeat(depth);

  it.each([
    ['over 256 KB', nested(6000), /^XMP not read: \d+ bytes is over the limit of 262144 bytes$/],
    ['nested 60 deep', nested(20), /^XMP not read: elements nest deeper than 32$/],
    ['badly nested', '<dc:a>x</dc:z>'.repeat(100), /does not close/],
  ])('is skipped with a warning when it is %s, and still counted', async (_, body, warning) => {
    const summary = await readSourceMetadata(xmpPng(body), { includeGpsPosition: false });
    expect(summary.embedded.xmp).toBe(true);
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toMatch(warning);
  });

  it('is read when it is small and nests sensibly', async () => {
    const body = '<dc:creator><rdf:Seq><rdf:li>Ann</rdf:li></rdf:Seq></dc:creator>';
    const summary = await readSourceMetadata(xmpPng(body + '<dc:b/>'.repeat(30_000)), {
      includeGpsPosition: false,
    });
    expect(summary.warnings).toEqual([]);
    expect(summary.embedded.xmp).toBe(true);
  });
});

describe('EXIF that libvips leaves unread', () => {
  it("is read from a PNG's eXIf chunk after its image data", async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .withExif({ IFD0: { Make: 'Acme', Model: 'Pinhole 1' } })
      .jpeg()
      .toBuffer();
    const exif = (await sharp(jpeg).metadata()).exif!.subarray(6);
    const png = Buffer.concat([
      pngStart(8, 8),
      pngChunk('IDAT', pngPixels(8, 8)),
      pngChunk('eXIf', exif),
      pngChunk('IEND', Buffer.alloc(0)),
    ]);
    expect((await sharp(png).metadata()).exif).toBeUndefined();
    const { camera } = await readSourceMetadata(png, { includeGpsPosition: false });
    expect(camera).toMatchObject({ make: 'Acme', model: 'Pinhole 1' });
  });
});
