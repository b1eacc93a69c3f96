import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { renderImage } from './src/image/render.ts';
import { defaultLimits } from './src/image/limits.ts';
import type { Recipe } from './src/recipe/recipe.ts';
const recipe: Recipe = { name: 'table', background: '#ffffff', outputs: [
  { kind: 'pixelate', grid: 8, format: 'jpeg', quality: 80 },
  { kind: 'resize', width: 320, format: 'jpeg', quality: 80 },
  { kind: 'resize', width: 320, format: 'webp', quality: 80 },
]};
const dir = '/work/shared/fixtures/images/';
for (const name of readdirSync(dir).sort()) {
  if (name.endsWith('.tsv')) continue;
  const t = performance.now();
  try {
    const r = await renderImage(name, readFileSync(dir + name), recipe, defaultLimits);
    const [p, j, w] = r.outputs;
    const wm = await sharp(w!.data).metadata();
    const warn = r.info.warnings ? ", warning: 'corrupt-data'" : '';
    console.log(`  ['${name}', { format: '${r.info.format}', size: '${r.info.width}x${r.info.height}', w320: '${j!.width}x${j!.height}', frames: ${r.info.frames}${r.info.animated ? `, animatedWebp: ${wm.pages}` : ''}${warn} }], // ${Math.round(performance.now()-t)}ms`);
    if (name === 'bird.bmp') await sharp(j!.data).toFile('/tmp/bird.jpg');
  } catch (e) { console.log(`  ['${name}', { rejected: '${(e as any).check}' }], // ${(e as Error).message.slice(0,90)}`); }
}
