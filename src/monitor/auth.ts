/**
 * Who may look at a run. On a loopback address the dashboard is open (only users of this machine
 * reach it); on any other address every request must carry the run's token, `<submitDir>/token`
 * (mode 0600, so only the run's owner can read it): `?token=` once (the page then keeps it in a
 * cookie), or an `Authorization: Bearer <token>` header. Tokens are compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** 127.0.0.0/8, ::1 and localhost; everything else (0.0.0.0 included) is reachable from outside. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (h.startsWith('::ffff:')) return isLoopback(h.slice(7));
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Constant-time equality of two secrets of any length (both are hashed first). */
export function sameToken(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

function cookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * An onRequest hook that lets a request through when it carries `token`. A valid `?token=` on a
 * page request sets the cookie and redirects to the same URL without it, so the token does not
 * stay in the address bar or the history.
 */
export function tokenGuard(token: string, cookieName: () => string) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && sameToken(auth.slice(7).trim(), token)) return;
    const fromCookie = cookie(req, cookieName());
    if (fromCookie !== undefined && sameToken(fromCookie, token)) return;
    const url = new URL(req.url, 'http://x');
    const q = url.searchParams.get('token');
    if (q !== null && sameToken(q, token)) {
      if (req.method === 'GET' && !url.pathname.startsWith('/api/')) {
        url.searchParams.delete('token');
        await reply
          .header(
            'set-cookie',
            `${cookieName()}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`,
          )
          .redirect(`${url.pathname}${url.search}`, 303);
      }
      return;
    }
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({
        error:
          'this dashboard needs the run token: open the URL quanta printed (with ?token=), or send ' +
          "'Authorization: Bearer <token>' with the contents of <submitDir>/token",
      });
  };
}
