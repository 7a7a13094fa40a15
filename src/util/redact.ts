/**
 * Passwords out of text that is shown: URLs with user info (`postgresql://user:secret@host/db`),
 * libpq key/value strings (`password=secret`) and `PGPASSWORD=secret` become `***`. Every error
 * message (errors.ts) and every line that can print a registry URL goes through `maskPasswords`.
 */

export const MASK = '***';

// scheme://user:password@ — the user part has no ':', '/', '@'; the password runs to the last '@'
// before the host (a password with '@' in it must be percent-encoded in a URL anyway)
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)[^\s@'"]+@/gi;
const KEY_VALUE_PASSWORD = /\b((?:PGPASSWORD|password)\s*=\s*)('[^']*'|"[^"]*"|[^\s'"&;]+)/gi;

/** `text` with every password it holds (in a URL, `password=`, `PGPASSWORD=`) replaced by `***`. */
export function maskPasswords(text: string): string {
  return text.replace(URL_PASSWORD, `$1${MASK}@`).replace(KEY_VALUE_PASSWORD, `$1${MASK}`);
}

/** Whether `url` carries a password in its user info (`scheme://user:password@host`). */
export function urlHasPassword(url: string): boolean {
  return maskPasswords(url) !== url;
}
