import { describe, expect, it } from 'vitest';
import { QuantaError } from '../errors.js';
import { maskPasswords, urlHasPassword } from './redact.js';

describe('maskPasswords', () => {
  it('masks the password of every URL in a text, and keeps the rest', () => {
    expect(
      maskPasswords(
        'open postgresql://me:s3cr%40t@db:5432/repo and postgres://you:pw@h/db?namespace=n failed',
      ),
    ).toBe('open postgresql://me:***@db:5432/repo and postgres://you:***@h/db?namespace=n failed');
    expect(maskPasswords('postgresql://me@db/repo; /data/repo; http://h:8080/x')).toBe(
      'postgresql://me@db/repo; /data/repo; http://h:8080/x',
    );
  });

  it('masks libpq key/value passwords and PGPASSWORD=', () => {
    expect(maskPasswords("host=db password=abc user=me; PGPASSWORD='x y' quanta")).toBe(
      'host=db password=*** user=me; PGPASSWORD=*** quanta',
    );
  });

  it('tells a URL with a password from one without', () => {
    expect(urlHasPassword('postgresql://me:pw@db/repo')).toBe(true);
    expect(urlHasPassword('postgresql://me@db/repo')).toBe(false);
  });

  it('is applied to every QuantaError message', () => {
    const e = new QuantaError('REGISTRY_CONNECT', 'Cannot connect to postgresql://me:hunter2@db/repo.');
    expect(e.message).toBe('Cannot connect to postgresql://me:***@db/repo.');
  });
});
