/** The pilot protocol and its authentication, without sockets or Slurm. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerChallenge, ensureToken, readToken, verifyAnswer } from '../../src/executors/pilot/auth.js';
import {
  decodeManagerMessage,
  decodeWorkerMessage,
  encode,
  formatManagerUrl,
  parseManagerUrl,
} from '../../src/executors/pilot/protocol.js';
import {
  budgetFromNodeMemory,
  detectWorkerBudget,
  memoryReserveMB,
} from '../../src/executors/pilot/resources.js';
import { commandJob } from './recorder.js';

describe('challenge-response', () => {
  it('accepts the answer computed with the right token only', () => {
    const nonce = 'ab'.repeat(24);
    const answer = answerChallenge('secret-token-of-the-run', nonce, 'n1-42');
    expect(answer).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyAnswer('secret-token-of-the-run', nonce, 'n1-42', answer)).toBe(true);
    expect(verifyAnswer('another-token-entirely!', nonce, 'n1-42', answer)).toBe(false);
    // the answer is bound to the nonce and to the worker id
    expect(verifyAnswer('secret-token-of-the-run', 'cd'.repeat(24), 'n1-42', answer)).toBe(false);
    expect(verifyAnswer('secret-token-of-the-run', nonce, 'n2-42', answer)).toBe(false);
    expect(verifyAnswer('secret-token-of-the-run', nonce, 'n1-42', 'abc')).toBe(false);
  });

  it('never puts the token on the wire', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 16 }), fc.stringMatching(/^[0-9a-f]{32,64}$/), (token, nonce) => {
        const hello = encode({
          type: 'hello',
          protocol: 1,
          workerId: 'n1-1',
          node: 'n1',
          memoryMB: 1,
          cores: 1,
          pid: 1,
          answer: answerChallenge(token, nonce, 'n1-1'),
          nonce: 'ef'.repeat(24),
        });
        return !hello.includes(token);
      }),
    );
  });

  it('creates a private token once and reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-token-'));
    const t = ensureToken(dir);
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(ensureToken(dir)).toBe(t);
    writeFileSync(join(dir, 'short'), 'abc\n');
    expect(() => readToken(join(dir, 'short'))).toThrow(/too short/);
    expect(() => readToken(join(dir, 'missing'))).toThrow(/cannot read the token file/);
  });
});

describe('messages', () => {
  it('round-trips a dispatch and a result', () => {
    const job = commandJob('isr.1', ['echo', 'x'], '/tmp');
    const d = decodeManagerMessage(encode({ type: 'dispatch', job }).trim());
    expect(d).toEqual({ ok: true, msg: { type: 'dispatch', job } });
    const result = {
      id: 'isr.1',
      attempt: 1,
      outcome: 'succeeded' as const,
      exitCode: 0,
      signal: null,
      peakMemoryMB: 12,
      startedAt: 1,
      endedAt: 2,
      workerId: 'w',
      node: 'n1',
    };
    expect(decodeWorkerMessage(encode({ type: 'result', result }))).toEqual({
      ok: true,
      msg: { type: 'result', result },
    });
  });

  it('rejects malformed and unknown messages with the offending key', () => {
    expect(decodeWorkerMessage('{not json')).toEqual({ ok: false, error: 'not JSON' });
    expect(decodeWorkerMessage('{"type":"shout"}').ok).toBe(false);
    const r = decodeWorkerMessage(
      JSON.stringify({
        type: 'hello',
        protocol: 1,
        workerId: 'a b',
        node: 'n',
        memoryMB: 1,
        cores: 1,
        pid: 1,
        answer: 'x',
      }),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/workerId/);
    const bad = decodeManagerMessage(
      JSON.stringify({
        type: 'dispatch',
        job: { ...commandJob('a', ['x'], '/t'), payload: { kind: 'command', argv: [] } },
      }),
    );
    expect(bad.ok).toBe(false);
  });

  it('parses manager URLs', () => {
    expect(parseManagerUrl('tcp://10.77.0.11:4000')).toEqual({ host: '10.77.0.11', port: 4000 });
    expect(parseManagerUrl('n1:17')).toEqual({ host: 'n1', port: 17 });
    expect(parseManagerUrl('tcp://[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseManagerUrl(formatManagerUrl('::1', 80))).toEqual({ host: '::1', port: 80 });
    expect(parseManagerUrl('http://x:1')).toBeUndefined();
    expect(parseManagerUrl('x:70000')).toBeUndefined();
    expect(parseManagerUrl('x')).toBeUndefined();
  });
});

describe('worker budget', () => {
  it('uses --memory and --cores as given (Work Queue worker_options)', () => {
    expect(detectWorkerBudget({ memoryMB: 90000, cores: 64 }, {})).toEqual({ memoryMB: 90000, cores: 64 });
  });

  it('otherwise keeps a reserve of the node memory and takes the cores Slurm gave', () => {
    expect(detectWorkerBudget({}, { SLURM_MEM_PER_NODE: '4000', SLURM_CPUS_ON_NODE: '2' })).toEqual({
      memoryMB: 3600,
      cores: 2,
    });
    expect(memoryReserveMB(96000)).toBe(4096);
    expect(memoryReserveMB(1000)).toBe(256);
    expect(budgetFromNodeMemory(96000)).toBe(96000 - 4096);
  });
});
