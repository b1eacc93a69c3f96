import sharp from 'sharp';

import type { PlannedOutput } from '../recipe/plan-outputs.ts';
import type { Animation } from './decode.ts';
import { blockMeans, enlargeBlocks } from './pixelate.ts';
import type { RenderedOutput } from './render.ts';
import { contentTypeOf, type ImageInfo, type OutputFormat, type RawImage } from './types.ts';

/** How an animated source plays, for the metadata record. */
export interface AnimationSummary {
  frames: number;
  /** Delay after each frame, in milliseconds, one per frame. */
  delaysMs: number[];
  /** Times the animation plays; 0 means forever. */
  loop: number;
  durationMs: number;
}

/**
 * The summary of an animated source from what inspecting it found (libvips for GIF and
 * WebP, pixelater's own chunk reader for APNG); undefined for a still image or the pages of
 * a document.
 *
 * @example
 * animationSummaryOf(await inspectImage('spinner.png', bytes, defaultLimits));
 * // { frames: 20, delaysMs: [50, ...], loop: 0, durationMs: 1000 }
 */
export function animationSummaryOf(info: ImageInfo): AnimationSummary | undefined {
  if (!info.animated || info.frames < 2) return undefined;
  const delaysMs = Array.from({ length: info.frames }, (_, index) => info.delaysMs?.[index] ?? 0);
  return {
    frames: info.frames,
    delaysMs,
    loop: info.loop ?? 0,
    durationMs: delaysMs.reduce((sum, delay) => sum + delay, 0),
  };
}

/** Output formats that can hold an animation; every other format gets the first frame. */
export function keepsAnimation(format: OutputFormat): boolean {
  return format === 'webp' || format === 'gif';
}

/**
 * Renders one output of an animated source as an animation: every frame resized, or every
 * frame pixelated on its own grid (no block mixes two frames), with the source's delays
 * and loop count.
 *
 * @example
 * const output = await renderAnimatedOutput(planned, decoded.animation, info);
 * (await sharp(output.data).metadata()).pages; // the source's frame count
 */
export async function renderAnimatedOutput(
  output: PlannedOutput,
  animation: Animation,
  info: ImageInfo,
  started: number,
): Promise<RenderedOutput> {
  const { width, height } = output;
  const frames = output.grid
    ? sharp(await pixelateFrames(animation, output, info), {
        animated: true,
        raw: {
          width,
          height: height * animation.frameCount,
          channels: animation.frames.channels,
          pageHeight: height,
        },
      })
    : sharp(animation.frames.data, {
        animated: true,
        raw: { ...rawOf(animation.frames), pageHeight: animation.frameHeight },
      }).resize({ width, height, fit: 'fill' });

  const timing = { delay: animation.delaysMs, loop: animation.loop };
  const quality = output.spec.quality;
  const encoder =
    output.format === 'gif' ? frames.gif(timing) : frames.webp({ quality, ...timing });
  const data = await encoder.toBuffer();
  return {
    name: output.name,
    key: output.key,
    format: output.format,
    contentType: contentTypeOf[output.format],
    width,
    height,
    data,
    encodeMs: Math.round(performance.now() - started),
  };
}

async function pixelateFrames(
  animation: Animation,
  output: PlannedOutput,
  info: ImageInfo,
): Promise<Buffer> {
  const grid = output.grid!;
  const { width, channels } = animation.frames;
  const frameBytes = width * animation.frameHeight * channels;
  const pixelated: Buffer[] = [];
  for (let frame = 0; frame < animation.frameCount; frame++) {
    const pixels: RawImage = {
      data: animation.frames.data.subarray(frame * frameBytes, (frame + 1) * frameBytes),
      width,
      height: animation.frameHeight,
      channels,
    };
    const means = blockMeans(pixels, grid, info.width, info.height);
    pixelated.push(await enlargeBlocks(means, grid, info.width, info.height).raw().toBuffer());
  }
  return Buffer.concat(pixelated);
}

function rawOf(image: RawImage) {
  return { width: image.width, height: image.height, channels: image.channels };
}
