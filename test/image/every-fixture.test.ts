import { readdirSync } from 'node:fs';

import decodeHeicPixels from 'heic-decode';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { RejectionError } from '../../src/errors.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { renderImage } from '../../src/image/render.ts';
import { defaultRecipe, type Recipe, recipeFromOutputs } from '../../src/recipe/recipe.ts';
import { fixture, imagesFolder } from '../support/fixtures.ts';

/**
 * One pixelation and one width in each output format: enough to show each fixture's
 * outcome without paying for the default recipe's full-size encodes 80 times.
 */
const tableRecipe: Recipe = recipeFromOutputs('fixture-table', [
  { pixelate: { grid: 8 }, format: 'jpeg', quality: 80 },
  { resize: { width: 320 }, format: 'jpeg', quality: 80 },
  { resize: { width: 320 }, format: 'webp', quality: 80 },
]);

interface Processed {
  /** The format recorded, read from the bytes. */
  format: string;
  /** Displayed size: every pixelation is written at it. */
  size: string;
  /** Size of the 320-wide copies (never enlarged). */
  w320: string;
  /** Frames of an animation or pages of a document, as recorded. */
  frames: number;
  /** Frames in the WebP copy of an animation (libvips merges identical neighbours). */
  animatedWebp?: number;
  warning?: 'corrupt-data';
}
type Expected = Processed | { rejected: string };

// Default limits: SVG is refused unless allowed (case 15 covers rasterising it).
const table: Array<[file: string, expected: Expected]> = [
  ['30-type_error_bad_exif.jpg', { format: 'jpeg', size: '3872x2403', w320: '320x199', frames: 1 }],
  ['Android_Depth_Map.jpg', { format: 'jpeg', size: '768x1024', w320: '320x427', frames: 1 }],
  ['Apple_iPhone_5.jpg', { format: 'jpeg', size: '3264x2448', w320: '320x240', frames: 1 }],
  ['Canon_40D.jpg', { format: 'jpeg', size: '100x68', w320: '100x68', frames: 1 }],
  ['Canon_5DMkIII_22MP.jpg', { format: 'jpeg', size: '5760x3840', w320: '320x213', frames: 1 }],
  ['Canon_EOS_7D_AdobeRGB.jpg', { format: 'jpeg', size: '600x900', w320: '320x480', frames: 1 }],
  ['DSCN0010.jpg', { format: 'jpeg', size: '640x480', w320: '320x240', frames: 1 }],
  ['DSCN0021.jpg', { format: 'jpeg', size: '640x480', w320: '320x240', frames: 1 }],
  ['FLIR_Vue_Pro_640.jpg', { format: 'jpeg', size: '640x512', w320: '320x256', frames: 1 }],
  ['Issue_508_1x1_iPhoneXR_gps.jpg', { format: 'jpeg', size: '1x1', w320: '1x1', frames: 1 }],
  ['Landscape_0.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_1.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_2.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_3.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_4.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_5.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_6.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_7.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_8.jpg', { format: 'jpeg', size: '1800x1200', w320: '320x213', frames: 1 }],
  ['Landscape_9_iptc_xmp.jpg', { format: 'jpeg', size: '480x369', w320: '320x246', frames: 1 }],
  ['Oppo_R7_Plus_13MP_gps.jpg', { format: 'jpeg', size: '3120x4160', w320: '320x427', frames: 1 }],
  ['adobe_deflate.tif', { format: 'tiff', size: '278x374', w320: '278x374', frames: 1 }],
  [
    'adobergb_16bit_photoshop.tiff',
    { format: 'tiff', size: '317x211', w320: '317x211', frames: 1 },
  ],
  [
    'animated_cogs.gif',
    { format: 'gif', size: '85x77', w320: '85x77', frames: 5, animatedWebp: 5 },
  ],
  [
    'animated_lossy_101f.webp',
    { format: 'webp', size: '320x240', w320: '320x240', frames: 101, animatedWebp: 101 },
  ],
  [
    'animated_rotating_squares.gif',
    { format: 'gif', size: '80x80', w320: '80x80', frames: 30, animatedWebp: 9 },
  ],
  [
    'animated_rotating_squares.webp',
    { format: 'webp', size: '80x80', w320: '80x80', frames: 9, animatedWebp: 9 },
  ],
  [
    'apng_ball.png',
    { format: 'png', size: '100x100', w320: '100x100', frames: 20, animatedWebp: 20 },
  ],
  ['arithmetic_coded.jpg', { format: 'jpeg', size: '227x149', w320: '227x149', frames: 1 }],
  ['avif_exif.avif', { format: 'heif', size: '512x512', w320: '320x320', frames: 1 }],
  ['avif_orientation6.avif', { format: 'heif', size: '3024x4032', w320: '320x427', frames: 1 }],
  ['avif_pitm.avif', { format: 'heif', size: '4096x800', w320: '320x63', frames: 5 }],
  ['basi6a16.png', { format: 'png', size: '32x32', w320: '32x32', frames: 1 }],
  ['basn0g01.png', { format: 'png', size: '32x32', w320: '32x32', frames: 1 }],
  ['basn0g16.png', { format: 'png', size: '32x32', w320: '32x32', frames: 1 }],
  ['basn3p08.png', { format: 'png', size: '32x32', w320: '32x32', frames: 1 }],
  ['bilevel_diagram.png', { format: 'png', size: '2809x2074', w320: '320x236', frames: 1 }],
  ['bird.bmp', { format: 'bmp', size: '192x144', w320: '192x144', frames: 1 }],
  ['broken_corrupt_header.jpg', { rejected: 'truncated' }],
  ['broken_corrupted_10MP.jpg', { rejected: 'undecodable' }],
  ['broken_data_stream.png', { rejected: 'truncated' }],
  ['broken_heif_boxes.heif', { rejected: 'undecodable' }],
  [
    'broken_junk_header.jpg',
    { format: 'jpeg', size: '1024x768', w320: '320x240', frames: 1, warning: 'corrupt-data' },
  ],
  ['broken_short.bmp', { rejected: 'truncated' }],
  ['broken_truncated.gif', { rejected: 'truncated' }],
  ['broken_truncated.png', { rejected: 'truncated' }],
  ['broken_truncated_sharp.jpg', { rejected: 'truncated' }],
  [
    'broken_xcsn0g01_idat_crc.png',
    { format: 'png', size: '32x32', w320: '32x32', frames: 1, warning: 'corrupt-data' },
  ],
  ['broken_xd0n2c08_bitdepth0.png', { rejected: 'undecodable' }],
  ['broken_xs1n0g01_signature.png', { rejected: 'not-an-image' }],
  ['bryce_panorama_24MP.webp', { format: 'webp', size: '11158x2156', w320: '320x62', frames: 1 }],
  ['check.svg', { rejected: 'svg-not-allowed' }],
  ['cmyk_fogra39.tif', { format: 'tiff', size: '1000x1000', w320: '320x320', frames: 1 }],
  ['cmyk_swop_profile.jpg', { format: 'jpeg', size: '500x333', w320: '320x213', frames: 1 }],
  ['crash_test_photo.gif', { format: 'gif', size: '800x533', w320: '320x213', frames: 1 }],
  ['display_p3.png', { format: 'png', size: '8x8', w320: '8x8', frames: 1 }],
  ['extreme_3x62728.jpeg', { rejected: 'truncated' }],
  ['fax_g3_2pages.tif', { format: 'tiff', size: '2464x3248', w320: '320x422', frames: 2 }],
  ['grey_concert.jpg', { format: 'jpeg', size: '400x267', w320: '320x214', frames: 1 }],
  ['heif_sample_small.heif', { format: 'heif', size: '640x426', w320: '320x213', frames: 1 }],
  ['iPhone11Pro_IMG_2929.HEIC', { format: 'heif', size: '3024x4032', w320: '320x427', frames: 1 }],
  ['invalid_exif_image00971.jpg', { format: 'jpeg', size: '636x227', w320: '320x114', frames: 1 }],
  ['jpeg_lossless_sof3.jpg', { format: 'jpeg', size: '227x149', w320: '227x149', frames: 1 }],
  ['limit_giant_20000x14000.jpg', { rejected: 'max-pixels' }],
  ['logo.svg', { rejected: 'svg-not-allowed' }],
  ['lossless_vp8l.webp', { format: 'webp', size: '1200x900', w320: '320x240', frames: 1 }],
  ['lossy_alpha.webp', { format: 'webp', size: '300x300', w320: '300x300', frames: 1 }],
  ['lossy_gallery4.webp', { format: 'webp', size: '1024x772', w320: '320x241', frames: 1 }],
  ['monkey16_16bit_icc.png', { format: 'png', size: '149x227', w320: '149x227', frames: 1 }],
  ['old_style_jpeg.tif', { rejected: 'unsupported-format' }],
  ['palette_swiss.png', { format: 'png', size: '68x68', w320: '68x68', frames: 1 }],
  ['png_with_exif.png', { format: 'png', size: '256x256', w320: '256x256', frames: 1 }],
  ['progressive.jpg', { format: 'jpeg', size: '650x470', w320: '320x231', frames: 1 }],
  ['rgba_blackbug.png', { format: 'png', size: '2048x1536', w320: '320x240', frames: 1 }],
  ['stereo_sugarshack.mpo', { format: 'jpeg', size: '640x480', w320: '320x240', frames: 1 }],
  ['svg_embedded_images.svg', { rejected: 'svg-not-allowed' }],
  ['tbrn2c08.png', { format: 'png', size: '32x32', w320: '32x32', frames: 1 }],
  ['tiny_2x2.png', { format: 'png', size: '2x2', w320: '2x2', frames: 1 }],
  ['ultrahdr_gainmap.jpg', { format: 'jpeg', size: '3840x2160', w320: '320x180', frames: 1 }],
  ['uncompressed_rgb.tiff', { format: 'tiff', size: '246x345', w320: '246x345', frames: 1 }],
  ['webp_exif_gps.webp', { format: 'webp', size: '776x909', w320: '320x375', frames: 1 }],
];

describe('every fixture image, with the default limits', () => {
  it('has a row in the table for every file in the fixtures folder', () => {
    const files = readdirSync(imagesFolder).filter((name) => name !== 'MANIFEST.tsv');
    expect(table.map(([file]) => file).sort()).toEqual(files.sort());
  });

  it.each(table)('%s', async (file, expected) => {
    const rendering = renderImage(file, await fixture(file), tableRecipe, defaultLimits);
    if ('rejected' in expected) {
      const error = await rendering.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RejectionError);
      expect((error as RejectionError).check).toBe(expected.rejected);
      expect((error as RejectionError).message).toMatch(new RegExp(`^${file}: `));
      return;
    }

    const { info, outputs, warnings } = await rendering;
    const corruption = warnings.some((warning) => warning.startsWith('corrupt-data: '));
    const [pixelated, jpeg, webp] = await Promise.all(
      outputs.map(async (output) => ({ output, metadata: await sharp(output.data).metadata() })),
    );
    expect({
      format: info.format,
      size: `${info.width}x${info.height}`,
      w320: `${jpeg?.output.width}x${jpeg?.output.height}`,
      frames: info.frames,
      ...(info.animated ? { animatedWebp: webp?.metadata.pages } : {}),
      ...(corruption ? { warning: 'corrupt-data' } : {}),
    }).toEqual(expected);

    for (const entry of [pixelated, jpeg, webp]) {
      expect([entry?.metadata.format, entry?.metadata.width, entry?.metadata.height]).toEqual([
        entry?.output.format,
        entry?.output.width,
        entry?.output.height,
      ]);
    }
    expect(`${pixelated?.output.width}x${pixelated?.output.height}`).toBe(expected.size);
    expect(jpeg?.metadata.pages ?? 1).toBe(1);
    expect([jpeg?.metadata.channels, jpeg?.metadata.space]).toEqual([3, 'srgb']);
  });
});

describe('the default recipe on a representative few', () => {
  it('writes all 13 outputs of an animated GIF, animating only the WebP copies', async () => {
    const { info, outputs } = await renderImage(
      'animated_cogs.gif',
      await fixture('animated_cogs.gif'),
      defaultRecipe,
      defaultLimits,
    );
    expect(outputs).toHaveLength(13);
    for (const output of outputs) {
      const metadata = await sharp(output.data).metadata();
      expect([metadata.width, metadata.height]).toEqual([info.width, info.height]);
      expect(metadata.pages ?? 1).toBe(output.format === 'webp' ? 5 : 1);
    }
  });

  it('writes a 12 MP iPhone HEIC as upright outputs at every width', async () => {
    const { info, outputs } = await renderImage(
      'iPhone11Pro_IMG_2929.HEIC',
      await fixture('iPhone11Pro_IMG_2929.HEIC'),
      defaultRecipe,
      defaultLimits,
    );
    expect([info.format, info.compression, info.width, info.height]).toEqual([
      'heif',
      'hevc',
      3024,
      4032,
    ]);
    const sizes = outputs.map((output) => `${output.name} ${output.width}x${output.height}`);
    expect(sizes).toContain('pixelated-grid-64.jpg 3024x4032');
    expect(sizes).toContain('w1920.webp 1920x2560');
  });

  it("converts the iPhone HEIC's Display P3 colours to sRGB", async () => {
    // The same pixels as libheif decodes them, taken as sRGB without their profile: what
    // the outputs would look like if the profile were lost (duller, since P3 is wider).
    const bytes = await fixture('iPhone11Pro_IMG_2929.HEIC');
    const decoded = await decodeHeicPixels({ buffer: bytes });
    const raw = { width: decoded.width, height: decoded.height, channels: 4 } as const;
    const unconverted = await sharp(Buffer.from(decoded.data), { raw })
      .resize({ width: 320 })
      .removeAlpha()
      .raw()
      .toBuffer();
    const recipe = recipeFromOutputs('w320', [{ resize: { width: 320 }, format: 'png' }]);
    const { outputs } = await renderImage('IMG_2929.HEIC', bytes, recipe, defaultLimits);
    const written = await sharp(outputs[0]!.data).removeAlpha().raw().toBuffer();

    // Measured: 47.9 against 40.7 for the unconverted pixels.
    expect(meanChroma(written)).toBeGreaterThan(meanChroma(unconverted) * 1.1);
  });
});

/** Mean of max(R, G, B) - min(R, G, B) over the pixels of an RGB buffer. */
function meanChroma(rgb: Buffer): number {
  let total = 0;
  for (let offset = 0; offset < rgb.length; offset += 3) {
    const [r, g, b] = [rgb[offset]!, rgb[offset + 1]!, rgb[offset + 2]!];
    total += Math.max(r, g, b) - Math.min(r, g, b);
  }
  return total / (rgb.length / 3);
}
