/** The Slurm provider's pure parts: job records, allocations, batch scripts, worker plans. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { srunArgv } from '../../src/executors/launchers/srun.js';
import { planWorkers, workerArgv } from '../../src/executors/pilot/index.js';
import {
  endFromJobInfo,
  expandCpusPerNode,
  parseScontrolRecord,
  recordSubmission,
  renderSbatchScript,
  requestFromJob,
  submitSuccessor,
  tresMemoryMB,
  directiveQuote,
  writeScript,
} from '../../src/executors/providers/slurm/index.js';
import { marginFor } from '../../src/executors/providers/slurm/deadline.js';

const JOB =
  'JobId=12 JobName=sfp_4430_y1 UserId=root(0) Priority=1 Account=m1727 QOS=regular JobState=RUNNING Reason=None ' +
  'RunTime=00:00:02 TimeLimit=15:00:00 TimeMin=N/A SubmitTime=2026-11-25T06:17:33 StartTime=2026-11-25T06:17:33 ' +
  'EndTime=2026-11-25T21:17:33 Deadline=N/A Partition=debug NodeList=n[1-3] NumNodes=3 NumCPUs=6 ' +
  'TRES=cpu=6,mem=12000M,node=3,billing=6 Features=knl OverSubscribe=NO Command=/scratch/my run/quanta.sbatch';

/**
 * How sbatch reads one argument of an `#SBATCH` line (Slurm's src/sbatch/opt.c, _get_argument):
 * whitespace ends it unless quoted, ' and " quote, a backslash takes the next character as is
 * (inside quotes too), an unquoted # starts a comment. The cluster test checks the real parser.
 */
function sbatchArgument(line: string): { argument: string; rest: string } {
  let i = 0;
  let out = '';
  let quote = '';
  while (i < line.length && (quote || !/\s/.test(line[i]))) {
    const c = line[i];
    if (c === '\\') {
      out += line[i + 1] ?? '';
      i += 2;
      continue;
    }
    if (quote) {
      if (c === quote) quote = '';
      else out += c;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') break;
    else out += c;
    i++;
  }
  if (quote) throw new Error(`unmatched ${quote} in ${line}`);
  return { argument: out, rest: line.slice(i) };
}

describe('scontrol records', () => {
  it('parses key=value fields, values with spaces included', () => {
    const r = parseScontrolRecord(JOB);
    expect(r.JobName).toBe('sfp_4430_y1');
    expect(r.TRES).toBe('cpu=6,mem=12000M,node=3,billing=6');
    expect(r.Command).toBe('/scratch/my run/quanta.sbatch');
    expect(r.EndTime).toBe('2026-11-25T21:17:33');
  });

  it('finds the allocation end from EndTime, else StartTime + TimeLimit', () => {
    expect(endFromJobInfo(parseScontrolRecord(JOB))).toEqual(new Date('2026-11-25T21:17:33'));
    expect(
      endFromJobInfo({ EndTime: 'Unknown', StartTime: '2026-11-25T06:00:00', TimeLimit: '1-00:30:00' }),
    ).toEqual(new Date('2026-11-26T06:30:00'));
    expect(
      endFromJobInfo({ EndTime: 'Unknown', StartTime: '2026-11-25T06:00:00', TimeLimit: 'UNLIMITED' }),
    ).toBeUndefined();
  });

  it('expands per-node CPUs and reads TRES memory', () => {
    expect(expandCpusPerNode('2(x3)')).toEqual([2, 2, 2]);
    expect(expandCpusPerNode('64,32(x2)')).toEqual([64, 32, 32]);
    expect(tresMemoryMB('cpu=6,mem=12000M,node=3')).toBe(12000);
    expect(tresMemoryMB('cpu=6,mem=96G,node=1')).toBe(96 * 1024);
    expect(tresMemoryMB('cpu=6,node=1')).toBeUndefined();
  });
});

describe('batch script', () => {
  it("is the seed's script, generated: resources from the site config, body restores the run", () => {
    const text = renderSbatchScript(
      {
        jobName: 'sfp_4430_y1',
        nodes: 10,
        time: '15:00:00',
        constraint: 'knl',
        qos: 'regular',
        account: 'm1727',
        schedulerOptions: '--mail-type=END\n#SBATCH --licenses=scratch',
      },
      '/scratch/submit/u/me/run 1',
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    for (const l of [
      '#SBATCH --job-name=sfp_4430_y1',
      '#SBATCH --output="/scratch/submit/u/me/run 1/slurm-%j.stdout"',
      '#SBATCH --error="/scratch/submit/u/me/run 1/slurm-%j.stderr"',
      '#SBATCH --nodes=10',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --time=15:00:00',
      '#SBATCH --constraint=knl',
      '#SBATCH --qos=regular',
      '#SBATCH --account=m1727',
      '#SBATCH --exclusive',
      '#SBATCH --mail-type=END',
      '#SBATCH --licenses=scratch',
    ]) {
      expect(lines).toContain(l);
    }
    // the body restores the run under a supervisor loop (a manager killed by a signal is restored)
    const run = lines.find((l) => l.includes('bin/quanta.js'));
    expect(run).toMatch(
      /^ {2}rc=0; \S+ \S+bin\/quanta\.js restore '\/scratch\/submit\/u\/me\/run 1' --executor pilot \|\| rc=\$\?$/,
    );
    expect(lines).toContain(
      '  if [ "$rc" -le 128 ] || [ "$restarts" -ge "$max_restarts" ]; then exit "$rc"; fi',
    );
    expect(text.indexOf('#SBATCH --account')).toBeLessThan(text.indexOf('set -uo'));
  });

  it('quotes directive values so that sbatch reads any path whole', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (v) => {
        fc.pre(!/[\n\r\0]/.test(v) && v.trim() === v && v.length > 0);
        expect(sbatchArgument(directiveQuote(v))).toEqual({ argument: v, rest: '' });
      }),
    );
    const text = renderSbatchScript({ jobName: 'a "b" #c', nodes: 1 }, `/tmp/it's "100%" #1\\x`);
    const out = text.split('\n').find((l) => l.startsWith('#SBATCH --output=')) as string;
    // %% is sbatch's literal %, so the file lands in the directory as named
    expect(sbatchArgument(out.slice('#SBATCH '.length)).argument).toBe(
      `--output=/tmp/it's "100%%" #1\\x/slurm-%j.stdout`,
    );
    const name = text.split('\n').find((l) => l.startsWith('#SBATCH --job-name=')) as string;
    expect(sbatchArgument(name.slice('#SBATCH '.length)).argument).toBe('--job-name=a_"b"_#c');
  });

  it('refuses values that would break the script', () => {
    expect(() => renderSbatchScript({ jobName: 'x', nodes: 1, account: 'a\n#SBATCH --x' }, '/tmp')).toThrow(
      /line break/,
    );
  });

  it("repeats a running job's shape for a successor", () => {
    expect(requestFromJob(parseScontrolRecord(JOB))).toEqual({
      jobName: 'sfp_4430_y1',
      nodes: 3,
      time: '15:00:00',
      partition: 'debug',
      account: 'm1727',
      qos: 'regular',
      constraint: 'knl',
      exclusive: true,
    });
  });
});

describe('successor bound', () => {
  it('submits no successor once max_resubmissions are used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-succ-'));
    writeScript({ jobName: 'x', nodes: 1 }, dir);
    recordSubmission(dir, { jobId: '1', kind: 'initial' }, 1);
    recordSubmission(dir, { jobId: '2', kind: 'successor', after: '1' });
    const r = await submitSuccessor(dir, '2');
    expect(r).toEqual({ submitted: false, reason: expect.stringMatching(/max_resubmissions \(1\) reached/) });
    expect(JSON.parse(readFileSync(join(dir, 'slurm-jobs.json'), 'utf8')).jobs).toHaveLength(2);
  });

  it('keeps a margin of 10 % of the time limit, 1 to 15 minutes', () => {
    expect(marginFor(600, {})).toBe(60);
    expect(marginFor(3 * 3600, {})).toBe(900);
    expect(marginFor(5400, {})).toBe(540);
    expect(marginFor(5400, { QUANTA_WALLTIME_MARGIN_SEC: '30' })).toBe(30);
  });
});

describe('worker plan', () => {
  const nodes = [
    { name: 'n1', cpus: 2, memoryMB: 4000 },
    { name: 'n2', cpus: 2, memoryMB: 4000 },
  ];

  it('warns when nodes_per_block disagrees with the allocation and uses the allocation', () => {
    const p = planWorkers(nodes, { nodesPerBlock: 10 });
    expect(p.specs.map((s) => s.node)).toEqual(['n1', 'n2']);
    expect(p.warnings[0]).toMatch(/nodes_per_block is 10 but this Slurm allocation has 2 node/);
    expect(planWorkers(nodes, { nodesPerBlock: 2 }).warnings).toEqual([]);
  });

  it('sizes workers from worker_options or the node less a reserve', () => {
    expect(planWorkers(nodes, {}).specs[0]).toEqual({
      node: 'n1',
      cpus: 2,
      stepMemoryMB: 4000,
      workerMemoryMB: 3600,
      workerCores: 2,
    });
    expect(planWorkers(nodes, { workerMemoryMB: 3000, workerCores: 1 }).specs[1]).toMatchObject({
      workerMemoryMB: 3000,
      workerCores: 1,
    });
    const over = planWorkers(nodes, { workerMemoryMB: 90000 });
    expect(over.specs[0].workerMemoryMB).toBe(4000);
    expect(over.warnings[0]).toMatch(/exceeds the 4000 MB/);
  });

  it('launches each worker as an exact, memory-explicit job step on its node', () => {
    const spec = planWorkers(nodes, {}).specs[1];
    const argv = srunArgv(
      spec,
      workerArgv(spec, {
        managerUrl: 'tcp://10.77.0.11:4000',
        tokenFile: '/s/token',
        workerCommand: ['quanta', 'worker'],
      }),
    );
    expect(argv.slice(0, 11)).toEqual([
      'srun',
      '-N1',
      '-n1',
      '-w',
      'n2',
      '--exact',
      '--mem=4000',
      '--ntasks-per-node=1',
      '-c',
      '2',
      '--kill-on-bad-exit=0',
    ]);
    expect(argv.slice(12)).toEqual([
      'quanta',
      'worker',
      '--manager',
      'tcp://10.77.0.11:4000',
      '--token-file',
      '/s/token',
      '--memory',
      '3600',
      '--cores',
      '2',
      '--node',
      'n2',
    ]);
  });
});
