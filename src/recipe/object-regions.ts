import { z } from 'zod';

import { type RegionValue, regionSchema } from './schema.ts';

/** The user metadata an uploader sets (`x-amz-meta-pixelater-regions`) to give rectangles. */
export const regionsMetadataName = 'pixelater-regions';

/** The sidecar object beside a source that gives its rectangles: `<key>.regions.json`. */
export const regionsSidecarSuffix = '.regions.json';

/** The sidecar's JSON: `{ "regions": [{ "left": 10, "top": 20, "width": 100, "height": 50 }] }`. */
export const regionsSidecarSchema = z.strictObject({ regions: z.array(regionSchema) });

/** `<key>.regions.json` for a source key. */
export function sidecarKey(key: string): string {
  return `${key}${regionsSidecarSuffix}`;
}

const rectangle = /^(?:(px|fraction)=)?([\d.]+):([\d.]+):([\d.]+):([\d.]+)$/;

/**
 * Reads the compact notation of the `pixelater-regions` metadata value: rectangles separated
 * by spaces, each `left:top:width:height` in displayed pixels, or with `fraction=` in front
 * for fractions of the displayed width and height. Returns the reason when it is not valid.
 *
 * @example
 * parseRegionNotation('10:20:100:50 fraction=0.75:0.9:0.25:0.1');
 * // [{ left: 10, top: 20, width: 100, height: 50, unit: 'px' }, { left: 0.75, ..., unit: 'fraction' }]
 */
export function parseRegionNotation(text: string): RegionValue[] | string {
  const regions: RegionValue[] = [];
  for (const part of text.trim().split(/\s+/).filter(Boolean)) {
    const match = rectangle.exec(part);
    const [left, top, width, height] = (match?.slice(2) ?? []).map(Number);
    const parsed = regionSchema.safeParse({
      left,
      top,
      width,
      height,
      unit: match?.[1] ?? 'px',
    });
    if (!match || !parsed.success) {
      return `'${part}' is not a rectangle (expected left:top:width:height, or fraction=left:top:width:height)`;
    }
    regions.push(parsed.data);
  }
  return regions;
}

/**
 * Reads a regions sidecar. Returns the reason when it is not valid.
 *
 * @example
 * parseRegionsSidecar('{"regions":[{"left":0,"top":0,"width":0.5,"height":0.5,"unit":"fraction"}]}');
 */
export function parseRegionsSidecar(text: string): RegionValue[] | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  const parsed = regionsSidecarSchema.safeParse(json);
  if (parsed.success) return parsed.data.regions;
  const [issue] = parsed.error.issues;
  return `${issue?.path.join('.') || '(top level)'}: ${issue?.message}`;
}
