import { type Implementation, pixelaterInMemory } from './pixelater-path.ts';
import { naiveOutputs, referenceOutputs } from './reference.ts';

/** Each way of producing the default outputs, by the name the benchmark reports. */
export function implementations(): Record<string, Implementation> {
  return {
    pixelater: pixelaterInMemory(),
    reference: async (bytes) => () => referenceOutputs(bytes),
    naive: async (bytes) => () => naiveOutputs(bytes),
  };
}
