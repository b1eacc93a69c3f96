import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

import { recipeFileName } from './stack-options.ts';

/**
 * Where sharp's native parts for Lambda on arm64 land in the asset, as shell patterns (the
 * file names carry sharp's and libvips' versions); the build checks both.
 */
export const sharpArm64Files = [
  'node_modules/@img/sharp-linux-arm64/lib/sharp-linux-arm64*.node',
  'node_modules/@img/sharp-libvips-linux-arm64/lib/libvips-cpp.so*',
] as const;

/**
 * How the function's code is built, locally with esbuild (no Docker): the handler and
 * everything it imports in one ES module, except sharp, which is installed into the asset
 * for linux-arm64 with its native binaries. The build fails if those binaries are missing,
 * since npm skips optional dependencies it cannot match without a word. With `recipeFile`,
 * the recipe is copied to the asset root as `pixelater.config.json`, the function's working
 * directory on Lambda.
 *
 * @example
 * new NodejsFunction(scope, 'Function', { entry, bundling: functionBundling(recipeFile) });
 */
/**
 * Prepended to the bundled ES module: bundled CommonJS dependencies call require() and read
 * __dirname (libheif's WebAssembly loader does at import), which an ES module lacks.
 */
export const esmBanner =
  "import { createRequire as __pixelaterRequire } from 'node:module';" +
  "import { fileURLToPath as __pixelaterPath } from 'node:url';" +
  "import { dirname as __pixelaterDirname } from 'node:path';" +
  'const require=__pixelaterRequire(import.meta.url);' +
  'const __filename=__pixelaterPath(import.meta.url);' +
  'const __dirname=__pixelaterDirname(__filename);';

export function functionBundling(recipeFile: string | undefined): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    minify: true,
    sourceMap: true,
    mainFields: ['module', 'main'],
    banner: esmBanner,
    // The SDK is bundled rather than taken from the runtime, so that what runs is what was tested.
    externalModules: [],
    nodeModules: ['sharp'],
    environment: { npm_config_os: 'linux', npm_config_cpu: 'arm64', npm_config_libc: 'glibc' },
    forceDockerBundling: false,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) => [
        ...sharpArm64Files.map((file) => requireFile(outputDir, file)),
        ...(recipeFile ? [copyFile(recipeFile, `${outputDir}/${recipeFileName}`)] : []),
      ],
    },
  };
}

// LIMITATION: the checks and the copy are POSIX shell commands, so the stack is built on
// Linux, macOS or WSL; on plain Windows the build stops at the first of them.
function requireFile(outputDir: string, pattern: string): string {
  const message =
    `pixelater: ${pattern} is missing from the function's bundle, so sharp cannot load on ` +
    `Lambda (arm64). Check that npm can install sharp for linux-arm64 ` +
    `(npm install --os=linux --cpu=arm64 sharp).`;
  const found = `ls ${quote(outputDir)}/${pattern} >/dev/null 2>&1`;
  return `${found} || { echo ${quote(message)} >&2; exit 1; }`;
}

function copyFile(from: string, to: string): string {
  return `cp ${quote(from)} ${quote(to)}`;
}

/** One argument for the POSIX shell that runs the hooks. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
