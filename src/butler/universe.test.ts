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
  it("has daf_butler's elements of universe version 8", () => {
    const u = getUniverse();
    expect(u.version).toBe(8);
    for (const e of ['group', 'day_obs', 'visit_system', 'visit_system_membership', 'subfilter'])
      expect(u.elements.has(e)).toBe(true);
    expect(u.element('visit_system_membership')).toMatchObject({
      requires: ['visit', 'visit_system'],
      alwaysJoin: true,
    });
    expect(u.fields('exposure').map((f) => f.name)).toEqual(
      expect.arrayContaining(['seq_start', 'seq_end', 'azimuth', 'has_simulated', 'can_see_sky', 'group']),
    );
  });
  it('defines skypix dimensions htm1..htm24 and healpix1..healpix17 with htm7 as the common one', () => {
    const u = getUniverse();
    expect(u.commonSkyPix).toBe('htm7');
    expect(u.skyPixDimensions).toHaveLength(24 + 17);
    expect(u.skyPixDimensions).toContain('htm24');
    expect(u.skyPixDimensions).not.toContain('htm0');
    expect(u.element('healpix11')).toMatchObject({ skypix: { system: 'healpix', level: 11 } });
    expect(u.primaryKey('htm7')).toEqual({ name: 'id', type: 'int' });
    expect(u.isSkyPix('htm7') && u.isDimension('htm7') && !u.isSkyPix('visit')).toBe(true);
  });
});
