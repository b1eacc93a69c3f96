import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { RejectionError } from '../src/errors.ts';
import { defaultLimits } from '../src/image/limits.ts';
import { renderImage } from '../src/image/render.ts';
import { defaultRecipe } from '../src/recipe/recipe.ts';
import { apng, pngChunk, pngWith } from '../test/support/png-chunks.ts';

const images = fileURLToPath(new URL('../../shared/fixtures/images/', import.meta.url));

/** How long pixelater takes to refuse each file built to hit a limit, and which check did. */
export async function measureRefusals() {
  const names = (await readdir(images)).filter((name) => /^(limit_|extreme_)/.test(name)).sort();
  const files: [string, Buffer][] = [];
  for (const name of names) files.push([name, await readFile(`${images}${name}`)]);
  files.push(...hostileFiles());
  const rows = [];
  for (const [name, bytes] of files) {
    const started = performance.now();
    let outcome = 'processed';
    try {
      await renderImage(name, bytes, defaultRecipe, defaultLimits);
    } catch (error) {
      outcome =
        error instanceof RejectionError ? `rejected: ${error.check}` : `error: ${String(error)}`;
    }
    rows.push({
      file: name,
      bytes: bytes.length,
      ms: Number((performance.now() - started).toFixed(1)),
      outcome,
    });
  }
  return rows;
}

/** Files built to be slow or large in the header and metadata steps, made here, not stored. */
function hostileFiles(): [string, Buffer][] {
  const text = pngChunk('tEXt', Buffer.from('Comment\0note', 'latin1'), { badCrc: true });
  const nest = '<dc:b><rdf:Bag><rdf:li>'.repeat(20) + 'x' + '</rdf:li></rdf:Bag></dc:b>'.repeat(20);
  const xmp = Buffer.concat([
    Buffer.from('XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta><rdf:RDF><rdf:Description>', 'latin1'),
    Buffer.from(nest.repeat(Math.floor(18_000_000 / nest.length))),
    Buffer.from('</rdf:Description></rdf:RDF></x:xmpmeta>', 'latin1'),
  ]);
  return [
    [
      'hostile_apng_declares_2_of_200_frames.png',
      apng({ width: 1000, height: 1000, frames: 200, declaredFrames: 2, delayMs: 50 }),
    ],
    ['hostile_200000_bad_text_chunks.png', pngWith(64, 64, Array(200_000).fill(text))],
    ['hostile_18mb_nested_xmp.png', pngWith(64, 64, [pngChunk('iTXt', xmp)])],
  ];
}
