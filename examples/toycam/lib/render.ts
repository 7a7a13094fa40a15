/**
 * Rendering sources into an image in electrons: stars as pixel-integrated Gaussians (exact
 * integral via erf, so centroid and flux tests are not limited by sampling) and galaxies as
 * exponential profiles approximated by a mixture of Gaussians (Hogg & Lang 2013) convolved
 * analytically with the Gaussian PSF.
 */
import { erf, type Plane } from './image.js';

/** Add a point source of `flux` electrons at (x0, y0) with PSF sigma `sigma` pixels. */
export function addStar(p: Plane, x0: number, y0: number, flux: number, sigma: number): void {
  const r = Math.ceil(6 * sigma);
  const xa = Math.max(0, Math.floor(x0) - r);
  const xb = Math.min(p.width - 1, Math.floor(x0) + r);
  const ya = Math.max(0, Math.floor(y0) - r);
  const yb = Math.min(p.height - 1, Math.floor(y0) + r);
  if (xa > xb || ya > yb) return;
  const k = 1 / (Math.SQRT2 * sigma);
  const fx = new Float64Array(xb - xa + 1);
  for (let x = xa; x <= xb; x++) fx[x - xa] = 0.5 * (erf((x + 0.5 - x0) * k) - erf((x - 0.5 - x0) * k));
  for (let y = ya; y <= yb; y++) {
    const fy = flux * 0.5 * (erf((y + 0.5 - y0) * k) - erf((y - 0.5 - y0) * k));
    const row = y * p.width;
    for (let x = xa; x <= xb; x++) p.image[row + x] += fy * fx[x - xa];
  }
}

// Exponential profile as a Gaussian mixture (Hogg & Lang 2013, "exp lite"); variances in r_e^2.
const EXP_AMP = [2.34853813e-3, 3.0799526e-2, 2.23364214e-1, 1.17949102, 4.3387375, 5.9982077];
const EXP_VAR = [1.20078965e-3, 8.84526493e-3, 3.91463084e-2, 1.39976817e-1, 4.609625e-1, 1.50159566];
const EXP_SUM = EXP_AMP.reduce((a, b) => a + b, 0);

/** Add an exponential galaxy (half-light radius `rePix`, axis ratio q, angle pa deg) convolved with the PSF. */
export function addGalaxy(
  p: Plane,
  x0: number,
  y0: number,
  flux: number,
  rePix: number,
  q: number,
  pa: number,
  sigma: number,
): void {
  const c = Math.cos((pa * Math.PI) / 180);
  const s = Math.sin((pa * Math.PI) / 180);
  for (let k = 0; k < EXP_AMP.length; k++) {
    const a2 = EXP_VAR[k] * rePix * rePix;
    const b2 = a2 * q * q;
    const sxx = c * c * a2 + s * s * b2 + sigma * sigma;
    const syy = s * s * a2 + c * c * b2 + sigma * sigma;
    const sxy = c * s * (a2 - b2);
    const det = sxx * syy - sxy * sxy;
    const ixx = syy / det;
    const iyy = sxx / det;
    const ixy = -sxy / det;
    const norm = (flux * EXP_AMP[k]) / EXP_SUM / (2 * Math.PI * Math.sqrt(det));
    const r = Math.ceil(5 * Math.sqrt(Math.max(sxx, syy)));
    const xa = Math.max(0, Math.floor(x0) - r);
    const xb = Math.min(p.width - 1, Math.floor(x0) + r);
    const ya = Math.max(0, Math.floor(y0) - r);
    const yb = Math.min(p.height - 1, Math.floor(y0) + r);
    for (let y = ya; y <= yb; y++) {
      const dy = y - y0;
      for (let x = xa; x <= xb; x++) {
        const dx = x - x0;
        p.image[y * p.width + x] +=
          norm * Math.exp(-0.5 * (ixx * dx * dx + 2 * ixy * dx * dy + iyy * dy * dy));
      }
    }
  }
}
