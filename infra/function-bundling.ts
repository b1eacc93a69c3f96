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
 * Packages left out of the bundle: sharp is installed into the asset with its arm64 binaries,
 * and onnxruntime-node (face and text detection) is copied in after bundling.
 */
export const bundleExternals = ['sharp', 'onnxruntime-node'] as const;

/** onnxruntime's linux-arm64 binding and library, the only platform kept in the asset. */
export const onnxruntimeArm64Files = [
  'node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node',
  'node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime.so.1',
] as const;

/** The detection models, where the function finds them (see `detectionEnvironment`). */
export const modelFiles = ['models/ultraface-rfb-320.onnx', 'models/pp-ocrv4-det.onnx'] as const;

/** The settings that point detection at the models inside the asset (/var/task on Lambda). */
export const detectionEnvironment = {
  FACE_MODEL_PATH: '/var/task/models/ultraface-rfb-320.onnx',
  TEXT_MODEL_PATH: '/var/task/models/pp-ocrv4-det.onnx',
} as const;

/**
 * How the function's code is built, locally with esbuild (no Docker): the handler and
 * everything it imports in one ES module, except sharp, which is installed into the asset
 * for linux-arm64 with its native binaries. The build fails if those binaries are missing,
 * since npm skips optional dependencies it cannot match without a word. With `recipeFile`,
 * the recipe is copied to the asset root as `pixelater.config.json`, the function's working
 * directory on Lambda. onnxruntime-node (face and text detection) is left out of the bundle
 * and copied in from the project's node_modules with only its linux-arm64 binaries (the
 * package carries every platform's, 288 MB), beside the models.
 *
 * @example
 * new NodejsFunction(scope, 'Function', { entry, bundling: functionBundling(recipeFile) });
 */
/**
 * Prepended to the bundled ES module: bundled CommonJS dependencies call require() and read
 * __dirname, which an ES module lacks.
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
    // onnxruntime-node is loaded at run time from the copy the hooks make.
    externalModules: [...bundleExternals],
    // heic-decode runs in a worker thread that loads it by path, so it is installed beside
    // the bundle (with libheif-js, its WebAssembly build), not bundled.
    nodeModules: ['sharp', 'heic-decode'],
    environment: {
      npm_config_os: 'linux',
      npm_config_cpu: 'arm64',
      npm_config_libc: 'glibc',
      // Its install script would fetch GPU libraries; the CPU provider needs none.
      ONNXRUNTIME_NODE_INSTALL: 'skip',
    },
    forceDockerBundling: false,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => [
        ...sharpArm64Files.map((file) => requireFile(outputDir, file)),
        ...copyDetection(inputDir, outputDir),
        ...onnxruntimeArm64Files.map((file) => requireFile(outputDir, file, 'onnxruntime')),
        ...(recipeFile ? [copyFile(recipeFile, `${outputDir}/${recipeFileName}`)] : []),
      ],
    },
  };
}

// LIMITATION: the checks and the copy are POSIX shell commands, so the stack is built on
// Linux, macOS or WSL; on plain Windows the build stops at the first of them.
function requireFile(outputDir: string, pattern: string, library = 'sharp'): string {
  const fix =
    library === 'sharp'
      ? 'Check that npm can install sharp for linux-arm64 (npm install --os=linux --cpu=arm64 sharp).'
      : 'Check that npm ci installed onnxruntime-node in this repository.';
  const message =
    `pixelater: ${pattern} is missing from the function's bundle, so ${library} cannot load on ` +
    `Lambda (arm64). ${fix}`;
  const found = `ls ${quote(outputDir)}/${pattern} >/dev/null 2>&1`;
  return `${found} || { echo ${quote(message)} >&2; exit 1; }`;
}

/**
 * onnxruntime-node's package.json, its JavaScript and its linux-arm64 binaries, the
 * onnxruntime-common package it requires, and the models.
 */
function copyDetection(inputDir: string, outputDir: string): string[] {
  const from = (path: string) => quote(`${inputDir}/${path}`);
  const to = (path: string) => quote(`${outputDir}/${path}`);
  const runtime = 'node_modules/onnxruntime-node';
  const arm64 = `${runtime}/bin/napi-v6/linux/arm64`;
  const common = 'node_modules/onnxruntime-common';
  // Copies into existing folders, so that running the hooks again changes nothing.
  return [
    `mkdir -p ${to(arm64)} ${to(`${runtime}/dist`)} ${to(common)} ${to('models')}`,
    `cp ${from(`${runtime}/package.json`)} ${to(`${runtime}/package.json`)}`,
    `cp -R ${from(`${runtime}/dist`)}/. ${to(`${runtime}/dist`)}`,
    `cp ${from(`${arm64}/onnxruntime_binding.node`)} ${from(`${arm64}/libonnxruntime.so.1`)} ${to(arm64)}`,
    `cp -R ${from(common)}/. ${to(common)}`,
    ...modelFiles.map((model) => `cp ${from(model)} ${to(model)}`),
  ];
}

function copyFile(from: string, to: string): string {
  return `cp ${quote(from)} ${quote(to)}`;
}

/** One argument for the POSIX shell that runs the hooks. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
