/** One window of the image that the detector sees, scaled to the model's input size. */
export interface Tile {
  /** Scale from the searched image to the model's input: input pixels per image pixel. */
  scale: number;
  /** Top-left corner in pixels of the image scaled by `scale`. */
  left: number;
  top: number;
}

/** How an image is cut into tiles. */
export interface Tiling {
  /**
   * Widths of the tiles, in pixels of the searched image, each a pass of its own besides the
   * pass over the whole image. A face is found when it is about 20 to 200 model pixels tall,
   * so a tile 800 px wide (scaled to 320) finds faces down to about 50 px.
   */
  tileWidths: number[];
  /** Fraction of a tile shared with its neighbour, 0 to 0.9; a face smaller than this
   * much of a tile is whole in at least one tile. */
  overlap: number;
}

/**
 * The tiles that cover a `width` x `height` image for a model that takes `inputWidth` x
 * `inputHeight` pixels: first one tile holding the whole image (aspect kept, the rest
 * padded), then, for each tile width narrower than that, a grid of overlapping tiles whose
 * last row and column end at the image's edge. Pure arithmetic, no pixels.
 *
 * @example
 * planTiles(4032, 3024, 320, 240, { tileWidths: [1600], overlap: 0.25 }).length; // 1 + 16
 */
export function planTiles(
  width: number,
  height: number,
  inputWidth: number,
  inputHeight: number,
  tiling: Tiling,
): Tile[] {
  const wholeScale = Math.min(inputWidth / width, inputHeight / height);
  const tiles: Tile[] = [{ scale: wholeScale, left: 0, top: 0 }];

  for (const tileWidth of tiling.tileWidths) {
    const scale = inputWidth / tileWidth;
    if (scale <= wholeScale * 1.05) continue;
    const lefts = positions(Math.round(width * scale), inputWidth, tiling.overlap);
    const tops = positions(Math.round(height * scale), inputHeight, tiling.overlap);
    for (const top of tops) for (const left of lefts) tiles.push({ scale, left, top });
  }
  return tiles;
}

function positions(length: number, window: number, overlap: number): number[] {
  if (length <= window) return [0];
  const stride = window * (1 - overlap);
  const count = Math.ceil((length - window) / stride) + 1;
  return Array.from({ length: count }, (_, index) =>
    Math.round((index * (length - window)) / (count - 1)),
  );
}
