import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { defaultFaceSearch, detectFaces } from '../../src/detect/detect-faces.ts';
import { type LoadedModel, loadModel } from '../../src/detect/load-model.ts';
import { decodeUpright } from '../../src/image/decode.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { pixelateRegions, type Region, withMargin } from '../../src/image/pixelate-regions.ts';
import type { RawImage } from '../../src/image/types.ts';
import { faceCentres, faceFixture, faceFixtures } from '../support/faces.ts';

const modelPath = new URL('../../models/ultraface-rfb-320.onnx', import.meta.url).pathname;
let model: LoadedModel;

beforeAll(async () => {
  model = await loadModel(modelPath);
});

const upright = (name: string, bytes: Buffer) => decodeUpright(name, bytes, 100_000, defaultLimits);

async function redactFaces(image: RawImage) {
  const { detections } = await detectFaces(image, model);
  const regions = detections.map((found) => withMargin(found.box, 0.25, image.width, image.height));
  return { regions, redacted: pixelateRegions(image, regions) };
}

function covers(region: Region, [x, y]: [number, number]) {
  return (
    x >= region.left &&
    x < region.left + region.width &&
    y >= region.top &&
    y < region.top + region.height
  );
}

function changedOutside(before: RawImage, after: RawImage, regions: Region[]): number {
  let changed = 0;
  for (let y = 0; y < before.height; y++) {
    for (let x = 0; x < before.width; x++) {
      if (regions.some((region) => covers(region, [x, y]))) continue;
      const at = (y * before.width + x) * before.channels;
      if (before.data.compare(after.data, at, at + before.channels, at, at + before.channels))
        changed++;
    }
  }
  return changed;
}

describe('finding and pixelating faces in the faces fixtures', () => {
  it('has a face centre for every face the manifest counts', () => {
    for (const fixture of faceFixtures()) {
      expect(faceCentres[fixture.file], fixture.file).toHaveLength(fixture.faceCount);
    }
  });

  it.each(faceFixtures().map((fixture) => [fixture.file, fixture] as const))(
    'covers every counted face in %s with a pixelated region and touches nothing else',
    async (file, fixture) => {
      const image = await upright(file, await faceFixture(file));
      expect([image.width, image.height]).toEqual([fixture.width, fixture.height]);
      const { regions, redacted } = await redactFaces(image);

      if (fixture.faceCount === 0) expect(regions).toEqual([]);
      else expect(regions.length).toBeGreaterThanOrEqual(fixture.faceCount);
      for (const centre of faceCentres[file] ?? []) {
        expect(
          regions.some((region) => covers(region, centre)),
          `${file}: face at ${centre}`,
        ).toBe(true);
        const at = (centre[1] * image.width + centre[0]) * image.channels;
        expect(redacted.data.subarray(at, at + 3)).not.toEqual(image.data.subarray(at, at + 3));
      }
      expect(changedOutside(image, redacted, regions)).toBe(0);
    },
  );

  it('finds the same faces in a copy stored sideways with an EXIF orientation', async () => {
    const file = 'group_7faces_a.jpg';
    const bytes = await faceFixture(file);
    // Stored turned a quarter to the left; orientation 6 tells viewers to turn it back.
    const sideways = await sharp(bytes)
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const stored = await sharp(sideways).metadata();
    expect([stored.width, stored.height, stored.orientation]).toEqual([375, 500, 6]);

    const image = await upright('sideways.jpg', sideways);
    expect([image.width, image.height]).toEqual([500, 375]);
    const { regions, redacted } = await redactFaces(image);
    expect(regions.length).toBeGreaterThanOrEqual(7);
    for (const centre of faceCentres[file] ?? []) {
      expect(regions.some((region) => covers(region, centre), `face at ${centre}`)).toBe(true);
    }
    expect(changedOutside(image, redacted, regions)).toBe(0);
  });

  it('finds no face in the stored pixels of that sideways copy, which is why it searches upright', async () => {
    // The same photo a quarter turn round, as a reader ignoring EXIF would see it.
    const turned = await sharp(await faceFixture('group_7faces_a.jpg'))
      .rotate(270)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const image: RawImage = {
      data: turned.data,
      width: turned.info.width,
      height: turned.info.height,
      channels: 3,
    };
    const { detections } = await detectFaces(image, model);
    expect(detections.length).toBeLessThan(7);
  });

  it('records the detector, the model checksum and the thresholds it used', async () => {
    const image = await upright('hopper', await faceFixture('hopper_1face_tiny.jpg'));
    const { audit, detections } = await detectFaces(image, model);
    expect(audit).toEqual({
      target: 'faces',
      detector: 'ultraface-rfb-320',
      model: 'ultraface-rfb-320.onnx',
      modelSha256: '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854',
      thresholds: { minScore: 0.7, maxOverlap: 0.3, maxContainment: 0.7, tileOverlap: 0.25 },
      tileWidths: [1600, 800],
    });
    expect(detections[0]?.score).toBeGreaterThanOrEqual(defaultFaceSearch.minScore);
  });
});
