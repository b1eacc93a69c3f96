import type { OutputSpec } from './recipe.ts';

/** The named parts an output key template may use. */
export const namingParts = ['key', 'stem', 'name', 'width', 'height', 'format', 'ext'] as const;
export type NamingParts = Record<(typeof namingParts)[number], string>;

/**
 * The {name} part of an output's key: the recipe's `name`, or one derived from its options
 * so that the default outputs keep their familiar names (`pixelated-grid-8`, `w320`).
 *
 * @example
 * outputBaseName(outputSpec({ resize: { width: 320 } })); // 'w320'
 */
export function outputBaseName(spec: OutputSpec): string {
  if (spec.name) return spec.name;
  if (spec.kind === 'pixelate') {
    const { grid, blockSize, size, pixelsPerBlock, palette, regions } = spec.pixelate;
    const strength = blockSize !== undefined ? `block-${blockSize}px` : `grid-${grid ?? 16}`;
    const small =
      size === 'small' ? (pixelsPerBlock > 1 ? `-small-x${pixelsPerBlock}` : '-small') : '';
    const colours = palette ? `-${palette.colours}colours` : '';
    return `pixelated-${strength}${small}${colours}${regions ? '-regions' : ''}`;
  }
  const { width, height, fit, position } = spec.resize;
  const box =
    width !== undefined && height !== undefined
      ? `${width}x${height}`
      : width !== undefined
        ? `w${width}`
        : `h${height}`;
  const boxed = width !== undefined && height !== undefined && fit !== 'inside';
  const crop = boxed && fit === 'cover' && position !== 'centre' ? `-${position}` : '';
  return `${box}${boxed ? `-${fit}` : ''}${crop}`;
}

/**
 * Fills a naming template: `{key}/{name}.{ext}` gives `photos/cat.jpg/w320.webp`.
 *
 * @example
 * fillTemplate('{stem}-{name}.{ext}', { key: 'a/cat.jpg', stem: 'a/cat', name: 'w320', ... });
 * // 'a/cat-w320.webp'
 */
export function fillTemplate(template: string, parts: NamingParts): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, part: string) =>
    part in parts ? parts[part as keyof NamingParts] : whole,
  );
}

/**
 * What is wrong with a naming template, or undefined: it must name the output (so that two
 * outputs differ) and the source (so that two sources differ), and use only known parts.
 */
export function templateProblem(template: string): string | undefined {
  for (const [, part] of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(namingParts as readonly string[]).includes(part ?? '')) {
      return `unknown part '{${part}}' (expected ${namingParts.map((p) => `{${p}}`).join(', ')})`;
    }
  }
  if (!template.includes('{name}')) return 'expected {name}, so that outputs get different keys';
  if (!template.includes('{key}') && !template.includes('{stem}'))
    return 'expected {key} or {stem}, so that sources get different keys';
  return undefined;
}

/** `photos/cat.jpg` -> `photos/cat`; a key without an extension is its own stem. */
export function stemOf(key: string): string {
  return key.replace(/\.[^./]*$/, '');
}
