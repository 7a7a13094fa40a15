import { describe, expect, it } from 'vitest';
import { getUniverse } from './universe.js';

describe('dimension universe', () => {
  it('expands visit to its required and implied dimensions in dependency order', () => {
    const u = getUniverse();
    expect(u.expand(['visit'])).toEqual(['instrument', 'band', 'physical_filter', 'day_obs', 'visit']);
  });
  it('knows keys and the dimensions that have them', () => {
    const u = getUniverse();
    expect(u.primaryKey('visit').name).toBe('id');
    expect(u.primaryKey('instrument').name).toBe('name');
    expect(u.isDimension('visit_detector_region')).toBe(false);
    expect(u.required(['patch'])).toEqual(['skymap', 'tract', 'patch']);
  });
});
