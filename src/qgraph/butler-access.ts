/** The butler as prepareRun needs it: the registry helper's `openButler` plus region overlap. */
import { openButler, regionsOverlap, type Butler } from '../butler/index.js';
import type { SkyRegion } from './types.js';

export type GraphButler = Butler & { regionsOverlap(a: SkyRegion, b: SkyRegion): boolean };

export async function openButlerForGraph(root: string): Promise<GraphButler> {
  const b = await openButler(root);
  return Object.assign(b, { regionsOverlap });
}
