import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';

import { RejectionError } from '../../src/errors.ts';
import { defaultLimits, type Limits } from '../../src/image/limits.ts';
import { renderImage } from '../../src/image/render.ts';
import { defaultRecipe, type Recipe, recipeFromOutputs } from '../../src/recipe/recipe.ts';
import { caseBucket, destinationBucket } from '../support/case-bucket.ts';
import { caseFile, pixelsOf } from '../support/fixtures.ts';

const renderCase = async (
  caseId: string,
  file: string,
  limits: Limits = defaultLimits,
  recipe: Recipe = defaultRecipe,
) => renderImage(file, await readFile(caseFile(caseId, file)), recipe, limits);

const refusalOf = async (rendering: Promise<unknown>) => {
  const error = await rendering.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RejectionError);
  return error as RejectionError;
};

const outputNamed = (outputs: Array<{ name: string; data: Buffer }>, name: string) => {
  const output = outputs.find((candidate) => candidate.name === name);
  expect(output, name).toBeDefined();
  return output!.data;
};

const near = (actual: number[], expected: number[], tolerance: number) =>
  actual.every((value, channel) => Math.abs(value - (expected[channel] ?? 0)) <= tolerance);

describe('CMYK JPEGs (case 02)', () => {
  const files = ['cmyk-with-adobe-marker.jpg', 'cmyk-no-adobe-marker.jpg', 'cmyk-ycck-adobe.jpg'];

  it('become the same sRGB red, green, blue and yellow patches, recorded as CMYK', async () => {
    const patches: number[][][] = [];
    for (const file of files) {
      const { info, outputs } = await renderCase('02-cmyk-jpeg', file);
      expect([info.colourSpace, info.channels, info.hasIccProfile]).toEqual(['cmyk', 4, false]);
      for (const output of outputs) {
        const metadata = await sharp(output.data).metadata();
        expect([metadata.space, metadata.channels]).toEqual(['srgb', 3]);
      }
      const pixels = await pixelsOf(outputNamed(outputs, 'w1920.jpg'));
      const y = Math.floor(pixels.height * 0.3);
      patches.push([0.1, 0.3, 0.6, 0.9].map((x) => pixels.at(Math.floor(pixels.width * x), y)));
    }
    const [red, green, blue, yellow] = patches[0]!;
    expect(red![0]).toBeGreaterThan(150);
    expect(green![1]).toBeGreaterThan(Math.max(green![0]!, green![2]!) - 40);
    expect(blue![2]).toBeGreaterThan(Math.max(blue![0]!, blue![1]!));
    expect(Math.min(yellow![0]!, yellow![1]!)).toBeGreaterThan(150);
    expect(yellow![2]).toBeLessThan(60);
    for (const other of patches.slice(1)) {
      other.forEach((patch, index) => expect(near(patch, patches[0]![index]!, 10)).toBe(true));
    }
  });
});

describe('a transparent PNG logo (case 03)', () => {
  it('is flattened onto white in JPEG and keeps its alpha in WebP', async () => {
    const { info, outputs } = await renderCase('03-png-alpha-to-jpeg', 'logo-transparent-dark.png');
    expect([info.hasAlpha, info.channels]).toEqual([true, 4]);

    const jpeg = await pixelsOf(outputNamed(outputs, 'w320.jpg'));
    expect(near(jpeg.at(0, 0), [255, 255, 255], 3)).toBe(true);
    expect(near(jpeg.at(jpeg.width / 2, jpeg.height / 2), [8, 8, 8], 20)).toBe(true);

    const { data, info: webp } = await sharp(outputNamed(outputs, 'w320.webp'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(webp.channels).toBe(4);
    expect(data[3]).toBe(0);
  });
});

describe('16-bit PNGs (case 05)', () => {
  it('keep the grey ramp, scaled rather than clipped, and record 16 bits', async () => {
    const { info, outputs } = await renderCase('05-16bit-png', 'gray16-gradient.png');
    expect([info.bitDepth, info.colourSpace, info.channels]).toEqual([16, 'grey16', 1]);
    const pixels = await pixelsOf(outputNamed(outputs, 'w1920.jpg'));
    const levels = [1 / 8, 1 / 2, 7 / 8].map(
      (x) => pixels.at(Math.floor(pixels.width * x), 10)[0]!,
    );
    expect(levels[0]!).toBeLessThan(levels[1]!);
    expect(levels[1]!).toBeLessThan(levels[2]!);
    levels.forEach((level, index) =>
      expect(Math.abs(level - [32, 128, 224][index]!)).toBeLessThan(12),
    );
  });

  it('take an RGB ramp from dark blue to light orange', async () => {
    const { info, outputs } = await renderCase('05-16bit-png', 'rgb16-gradient.png');
    expect([info.bitDepth, info.colourSpace]).toEqual([16, 'rgb16']);
    const pixels = await pixelsOf(outputNamed(outputs, 'w1920.jpg'));
    const [r0, , b0] = pixels.at(2, 10);
    const [r1, , b1] = pixels.at(pixels.width - 3, 10);
    expect(b0!).toBeGreaterThan(r0!);
    expect(r1!).toBeGreaterThan(b1! + 50);
  });
});

describe('animated GIF and WebP (case 06)', () => {
  const pixelatedWebp: Recipe = recipeFromOutputs('animated-webp', [
    { pixelate: { grid: 8 }, format: 'webp', quality: 100 },
    { resize: { width: 60 }, format: 'webp', quality: 80 },
    { resize: { width: 60 }, format: 'jpeg', quality: 80 },
  ]);

  it.each(['spinner-4frames.gif', 'spinner-4frames.webp'])(
    '%s keeps 4 frames with their delays in WebP, and records them per frame',
    async (file) => {
      const { info, outputs } = await renderCase(
        '06-animated-gif-webp',
        file,
        defaultLimits,
        pixelatedWebp,
      );
      expect(info).toMatchObject({ width: 120, height: 90, frames: 4, animated: true, loop: 0 });
      expect(info.delaysMs).toEqual([200, 200, 200, 600]);

      const resized = await sharp(outputs[1]!.data).metadata();
      expect([resized.pages, resized.width, resized.height, resized.delay, resized.loop]).toEqual([
        4,
        60,
        45,
        [200, 200, 200, 600],
        0,
      ]);
      expect((await sharp(outputs[2]!.data).metadata()).pages ?? 1).toBe(1);

      // Each frame is pixelated on its own: 15 px blocks that are flat within every frame,
      // and frames that still differ from each other.
      const corners: number[][] = [];
      for (let page = 0; page < 4; page++) {
        const frame = await pixelsOf(await sharp(outputs[0]!.data, { page }).png().toBuffer());
        expect([frame.width, frame.height]).toEqual([120, 90]);
        for (let y = 0; y < 90; y += 15) {
          for (let x = 0; x < 120; x += 15) {
            expect(
              near(frame.at(x + 12, y + 12), frame.at(x + 2, y + 2), 12),
              `${page} ${x},${y} ${frame.at(x + 12, y + 12)} ${frame.at(x + 2, y + 2)}`,
            ).toBe(true);
          }
        }
        corners.push([0, 1, 2, 3, 4, 5, 6, 7].flatMap((block) => frame.at(block * 15, 30)));
      }
      expect(new Set(corners.map((row) => row.join())).size).toBeGreaterThan(1);
    },
  );
});

describe('a JPEG cut off at 55% (case 08)', () => {
  it('is rejected as truncated, with no outputs', async () => {
    const error = await refusalOf(renderCase('08-truncated-jpeg', 'photo-truncated-55pct.jpg'));
    expect(error.check).toBe('truncated');
    expect(error.reason).toMatch(/^truncated or corrupt image/);
  });
});

describe('a 48 KB PNG declaring 20000x20000 pixels (case 09)', () => {
  it('is refused from its header, naming the pixel limit', async () => {
    const error = await refusalOf(renderCase('09-decompression-bomb', 'bomb-20000x20000-1bit.png'));
    expect(error.check).toBe('max-pixels');
    expect(error.reason).toContain('20000x20000 is 400000000 pixels');
    expect(error.reason).toContain('(maxPixels)');
  });
});

describe('a zero-byte object (case 11)', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('gets a record marked empty and no outputs, and the invocation succeeds', async () => {
    const { endpoint, handler, event } = await caseBucket('11-zero-byte-object');
    stop = () => endpoint.stop();
    expect(await handler(event('event-size-0.json'))).toEqual({ batchItemFailures: [] });
    expect(await endpoint.keys(destinationBucket)).toEqual([
      'uploads/empty-upload.jpg/metadata.json',
    ]);
    const record = JSON.parse(
      (
        await endpoint.get(destinationBucket, 'uploads/empty-upload.jpg/metadata.json')
      ).body.toString(),
    );
    expect(record).toMatchObject({ status: 'rejected', rejection: { check: 'empty-object' } });
  });
});

describe('file names that lie (case 13)', () => {
  const caseId = '13-wrong-extension-non-image';

  it('converts a BMP named .jpeg', async () => {
    const { info, outputs } = await renderCase(caseId, 'IMG_0001.jpeg');
    expect([info.format, info.width, info.height]).toEqual(['bmp', 160, 120]);
    expect(outputs).toHaveLength(13);
  });

  it('reads a PNG named .jpg as PNG, and names outputs for the format written', async () => {
    const { info, outputs } = await renderCase(caseId, 'holiday-photo.jpg');
    expect([info.format, info.mimeType]).toEqual(['png', 'image/png']);
    for (const output of outputs) {
      const metadata = await sharp(output.data).metadata();
      expect(output.name.endsWith(output.format === 'jpeg' ? '.jpg' : `.${metadata.format}`)).toBe(
        true,
      );
      expect(output.contentType).toBe(`image/${metadata.format}`);
    }
  });

  it('rejects an HTML page named .jpg as not an image', async () => {
    const error = await refusalOf(renderCase(caseId, 'profile-picture.jpg'));
    expect(error.check).toBe('not-an-image');
  });
});

describe('HEIC and AVIF uploads (case 14)', () => {
  it.each(['IMG_4848.heic', 'IMG_4848.jpeg'])(
    'decodes the HEVC HEIC %s and records heif / hevc',
    async (file) => {
      const { info, outputs } = await renderCase('14-heic-avif-upload', file);
      expect([info.format, info.compression, info.width, info.height]).toEqual([
        'heif',
        'hevc',
        400,
        300,
      ]);
      expect(outputs).toHaveLength(13);
      const w320 = await sharp(outputNamed(outputs, 'w320.webp')).metadata();
      expect([w320.width, w320.height]).toEqual([320, 240]);
    },
  );

  it('processes the AVIF', async () => {
    const { info, outputs } = await renderCase('14-heic-avif-upload', 'IMG_4849.avif');
    expect([info.format, info.compression]).toEqual(['heif', 'av1']);
    expect(outputs).toHaveLength(13);
  });
});

describe('SVG with external references (case 15)', () => {
  const caseId = '15-svg-external-references';
  const allowSvg = { ...defaultLimits, allowSvg: true };
  const files = ['badge-with-external-refs.svg', 'badge-hrefs-no-entity.svg', 'clean-badge.svg'];

  it.each(files)('refuses %s by default', async (file) => {
    expect((await refusalOf(renderCase(caseId, file))).check).toBe('svg-not-allowed');
  });

  it('refuses the SVG with an entity-declaring DOCTYPE even when SVG is allowed', async () => {
    const error = await refusalOf(renderCase(caseId, 'badge-with-external-refs.svg', allowSvg));
    expect(error.check).toBe('svg-doctype');
  });

  it('renders the other two when allowed, leaving every external image slot empty', async () => {
    for (const file of ['badge-hrefs-no-entity.svg', 'clean-badge.svg']) {
      const { outputs } = await renderCase(caseId, file, allowSvg);
      const pixels = await pixelsOf(outputNamed(outputs, 'w320.jpg'));
      expect([pixels.width, pixels.height]).toEqual([320, 120]);
      for (const x of [40, 110, 180]) expect(near(pixels.at(x, 70), [244, 244, 244], 4)).toBe(true);
      expect(near(pixels.at(250, 70), [0x22, 0xaa, 0x77], 6)).toBe(true);
    }
  });

  it('never opens a local file or makes a request that an SVG references', async () => {
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(request.url ?? '');
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const folder = await mkdtemp(join(tmpdir(), 'pixelater-svg-'));
    try {
      const red = join(folder, 'red.png');
      await sharp({ create: { width: 60, height: 60, channels: 3, background: '#f00' } }).toFile(
        red,
      );
      const port = (server.address() as AddressInfo).port;
      const svg = Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60">` +
          `<rect width="200" height="60" fill="#fff"/>` +
          `<image x="0" width="60" height="60" href="file://${red}"/>` +
          `<image x="70" width="60" height="60" href="http://127.0.0.1:${port}/pixel.png"/>` +
          `<image x="140" width="60" height="60" href="${red}"/></svg>`,
      );
      const { outputs } = await renderImage('probe.svg', svg, defaultRecipe, allowSvg);
      const pixels = await pixelsOf(outputNamed(outputs, 'w320.jpg'));
      for (const x of [30, 100, 170]) expect(near(pixels.at(x, 30), [255, 255, 255], 4)).toBe(true);
      expect(requests).toEqual([]);
    } finally {
      server.close();
      await rm(folder, { recursive: true });
    }
  });
});

describe('a phone photo with GPS, serial number and owner (case 24)', () => {
  it('writes outputs with no EXIF or XMP, and records none of it', async () => {
    const { info, outputs } = await renderCase('24-gps-exif-privacy', 'garden-photo-with-gps.jpg');
    for (const output of outputs) {
      const metadata = await sharp(output.data).metadata();
      expect([metadata.exif, metadata.xmp, metadata.iptc]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(output.data.includes('GPS')).toBe(false);
    }
    expect(JSON.stringify(info)).not.toMatch(/gps|serial|owner|artist/i);
  });
});

describe('a Display P3 PNG (case 25)', () => {
  it('is converted to sRGB: the reference patch becomes about (213,115,42)', async () => {
    const { info, outputs } = await renderCase('25-display-p3-profile', 'canary-display-p3.png');
    expect(info.hasIccProfile).toBe(true);
    const output = outputNamed(outputs, 'w1920.jpg');
    expect((await sharp(output).metadata()).icc).toBeUndefined();
    const pixels = await pixelsOf(output);
    expect(pixels.at(10, Math.floor(pixels.height * 0.8))).toSatisfy((patch: number[]) =>
      near(patch, [213, 115, 42], 4),
    );
  });
});

describe('greyscale inputs (case 29)', () => {
  it('records a greyscale JPEG as 1 channel and writes neutral grey', async () => {
    const { info, outputs } = await renderCase('29-grayscale-inputs', 'xray-grayscale.jpg');
    expect([info.colourSpace, info.channels]).toEqual(['b-w', 1]);
    const pixels = await pixelsOf(outputNamed(outputs, 'pixelated-grid-16.jpg'));
    for (const [x, y] of [
      [5, 5],
      [100, 80],
      [250, 200],
    ] as const) {
      const [r, g, b] = pixels.at(x, y);
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThanOrEqual(2);
    }
  });

  it('records grey+alpha as 2 channels and flattens its transparent corners onto white', async () => {
    const { info, outputs } = await renderCase('29-grayscale-inputs', 'mono-icon-grey-alpha.png');
    expect([info.channels, info.hasAlpha]).toEqual([2, true]);
    for (const name of ['pixelated-grid-8.jpg', 'w320.jpg']) {
      const pixels = await pixelsOf(outputNamed(outputs, name));
      expect(near(pixels.at(0, 0), [255, 255, 255], 2)).toBe(true);
      const [r, g, b] = pixels.at(pixels.width / 2, pixels.height * 0.3);
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThanOrEqual(2);
    }
  });
});

describe('the limits', () => {
  const render = async (file: string, limits: Partial<Limits>) =>
    renderImage(file, await readFile(caseFile('06-animated-gif-webp', file)), defaultRecipe, {
      ...defaultLimits,
      ...limits,
    });

  it('refuses an animation whose frames together exceed maxAnimationPixels', async () => {
    const error = await refusalOf(render('spinner-4frames.gif', { maxAnimationPixels: 40_000 }));
    expect(error.check).toBe('max-animation-pixels');
    expect(error.reason).toBe(
      '4 frames of 120x90 is 43200 pixels, over the limit of 40000 (maxAnimationPixels)',
    );
  });

  it('refuses an object larger than maxInputBytes before reading its header', async () => {
    const error = await refusalOf(render('spinner-4frames.gif', { maxInputBytes: 1000 }));
    expect(error.check).toBe('max-input-bytes');
  });
});
