/**
 * What every pixelater command's exit status means, as `pixelater process --help` lists it.
 *
 * @example
 * process.exitCode = summary.failed.length > 0 ? ExitCode.failed : ExitCode.ok;
 */
export const ExitCode = {
  /** Everything was processed. */
  ok: 0,
  /** Some objects were rejected (not images, over a limit): their inputs need attention. */
  rejected: 1,
  /** Something failed and may succeed if run again. */
  failed: 2,
  /** The command line was wrong; commander has said how. */
  usage: 2,
} as const;
