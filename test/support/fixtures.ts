import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/** The shared, read-only folder of real images and bug-report cases, beside the repository. */
export const sharedFolder = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const imagesFolder = `${sharedFolder}fixtures/images/`;
export const casesFolder = `${sharedFolder}cases/`;

export function fixture(name: string): Promise<Buffer> {
  return readFile(`${imagesFolder}${name}`);
}

export function fixturePath(name: string): string {
  return `${imagesFolder}${name}`;
}

export function caseFile(caseId: string, name: string): string {
  return `${casesFolder}${caseId}/${name}`;
}

export function caseJson<T = unknown>(caseId: string, name: string): T {
  return JSON.parse(readFileSync(caseFile(caseId, name), 'utf8')) as T;
}

/** Decoded 8-bit sRGB pixels of any encoded image, upright. */
export async function pixelsOf(image: Buffer) {
  const { data, info } = await sharp(image)
    .rotate()
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at(x: number, y: number): [number, number, number] {
      const offset = (y * info.width + x) * info.channels;
      return [data[offset] ?? 0, data[offset + 1] ?? 0, data[offset + 2] ?? 0];
    },
  };
}
