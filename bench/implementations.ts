import { pixelaterInMemory } from './pixelater-path.ts';
import { naiveOutputs, referenceOutputs } from './reference.ts';

/** Each way of producing the default outputs, by the name the benchmark reports. */
export function implementations(): Record<string, (bytes: Buffer) => Promise<unknown>> {
  return {
    pixelater: pixelaterInMemory(),
    reference: referenceOutputs,
    naive: naiveOutputs,
  };
}
