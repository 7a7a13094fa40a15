/** The LSST command templates, the stack lookup and the workflow of a saved graph: no processes. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, expandCommand, type CommandValues } from '../../src/qgraph/lsst/commands.js';
import { finalRunWhen, logLine, lsstTemplates } from '../../src/qgraph/lsst/prepare.js';
import type { LsstNode } from '../../src/qgraph/lsst/nodes.js';
import { findLsstStack } from '../../src/qgraph/lsst/stack.js';
import { splitWords } from '../../src/qgraph/lsst/words.js';
import { lsstWorkflow } from '../../src/qgraph/lsst/workflow.js';

const stack = {
  pipetask: '/st/bin/pipetask',
  butler: '/st/bin/butler',
  python: '/st/bin/python',
  source: 'test',
};
const values: CommandValues = {
  stack,
  options: {},
  values: {
    butlerConfig: '/data/my repo',
    qgraphFile: '/sub/lsst.qg',
    outputRun: 'u/me/x/1',
    output: 'u/me/x',
    inCollection: 'a,b',
    pipelineYaml: '/p/DRP.yaml#sfp',
    dataQuery: `instrument = 'X' and visit in (1, 2)`,
  },
};

describe('LSST commands', () => {
  it('splits command strings into words as a shell would, without expanding anything', () => {
    expect(splitWords(`a  "b c" 'd "e"' f\\ g "h\\"i" $X`)).toEqual([
      'a',
      'b c',
      'd "e"',
      'f g',
      'h"i',
      '$X',
    ]);
    expect(() => splitWords('a "b', 'runQuantumCommand')).toThrow(/runQuantumCommand: unclosed "/);
  });

  it("expands bps's default qgraph command into an argv array that keeps paths and queries whole", () => {
    const argv = expandCommand(
      { text: DEFAULT_TEMPLATES.createQuantumGraph, key: 'createQuantumGraph' },
      values,
    );
    expect(argv).toEqual([
      '/st/bin/pipetask',
      '--long-log',
      '--log-level=VERBOSE',
      'qgraph',
      '--butler-config',
      '/data/my repo',
      '-i',
      'a,b',
      '-o',
      'u/me/x',
      '--output-run',
      'u/me/x/1',
      '--pipeline',
      '/p/DRP.yaml#sfp',
      '--save-qgraph',
      '/sub/lsst.qg',
      '--qgraph-datastore-records',
      '-d',
      `instrument = 'X' and visit in (1, 2)`,
    ]);
  });

  it('takes option placeholders from the submit YAML and drops empty ones', () => {
    const v = { ...values, options: { runPreCmdOpts: '--log-level=INFO', extraRunQuantumOptions: '-n 2' } };
    const argv = expandCommand(
      { text: DEFAULT_TEMPLATES.runQuantum, key: 'runQuantumCommand' },
      { ...v, values: { ...v.values, qgraphNodeId: 'abc' } },
    );
    expect(argv).toEqual([
      '/st/bin/pipetask',
      '--log-level=INFO',
      'run-qbb',
      '/data/my repo',
      '/sub/lsst.qg',
      '--qgraph-node-id',
      'abc',
      '-n',
      '2',
    ]);
  });

  it('runs a bare pipetask of a YAML command with the stack found, and names unknown placeholders and unset variables', () => {
    expect(expandCommand({ text: 'pipetask run-qbb {butlerConfig} {qgraphFile}', key: 'k' }, values)[0]).toBe(
      stack.pipetask,
    );
    expect(() => expandCommand({ text: 'pipetask {nosuch}', key: 'runQuantumCommand' }, values)).toThrow(
      /runQuantumCommand: unknown placeholder \{nosuch\}/,
    );
    expect(() => expandCommand({ text: '${CTRL_MPEXEC_DIR}/bin/pipetask x', key: 'k' }, values)).toThrow(
      /environment variable \$\{CTRL_MPEXEC_DIR\} is not set/,
    );
  });

  it("uses the YAML's command keys over bps's defaults, per label first", () => {
    const t = lsstTemplates({
      runQuantumCommand: 'pipetask run-qbb {butlerConfig} {qgraphFile} --qgraph-node-id {qgraphNodeId} -n 1',
      pipetask: {
        big: {
          runQuantumCommand:
            'pipetask run-qbb {butlerConfig} {qgraphFile} --qgraph-node-id {qgraphNodeId} -n 8',
        },
      },
    });
    expect(t.runQuantum('big').key).toBe('pipetask.big.runQuantumCommand');
    expect(t.runQuantum('small').text).toContain('-n 1');
    expect(t.pipetaskInit.key).toContain("quanta's default");
    expect(t.finalJob.text).toContain('aggregate-graph');
  });

  it('shows pipetask log lines without the long-log prefix', () => {
    expect(
      logLine(
        'INFO 2026-12-02T00:49:38.654+00:00 lsst.pipe.base.quantum_graph_builder ()(quantum_graph_builder.py:670) - Generated 4 quanta for task scale.',
      ),
    ).toBe('Generated 4 quanta for task scale.');
    expect(logLine('lsst.x WARNING: careful')).toBe('WARNING: careful');
    expect(logLine('VERBOSE 2026 lsst.x ()(a.py:1) - chatter')).toBeUndefined();
  });
});

describe('the workflow of an LSST graph', () => {
  const nodes: LsstNode[] = [
    { id: 'q1', label: 'scale', dataId: { instrument: 'X', detector: 0 }, needs: [] },
    { id: 'q2', label: 'scale', dataId: { instrument: 'X', detector: 1 }, needs: [] },
    { id: 'q3', label: 'sum', dataId: { instrument: 'X' }, needs: ['q1', 'q2'] },
  ];
  const templates = lsstTemplates({});
  const wf = lsstWorkflow({
    name: 'x',
    nodes,
    commands: values,
    templates,
    resources: (label) => ({
      requestMemory: label === 'sum' ? 4096 : 1024,
      requestCpus: label === 'finalJob' ? 4 : 1,
      numberOfRetries: 2,
      memoryMultiplier: 2,
    }),
  });

  it('has pipetaskInit, one run-qbb job per quantum with the graph dependencies, and a final job after all', () => {
    expect(wf.jobs.map((j) => [j.id, j.needs])).toEqual([
      ['pipetaskInit', []],
      ['scale.0', ['pipetaskInit']],
      ['scale.1', ['pipetaskInit']],
      ['sum', ['pipetaskInit', 'scale.0', 'scale.1']],
      ['finalJob', ['sum']],
    ]);
    expect(wf.jobs[1].argv).toContain('q1');
    expect(wf.jobs[0].argv?.slice(3)).toEqual(['pre-exec-init-qbb', '/data/my repo', '/sub/lsst.qg']);
    expect(wf.jobs[4].argv).toEqual(
      expect.arrayContaining(['aggregate-graph', '-j', '4', '--register-dataset-types']),
    );
  });

  it('runs the final job even after failures, as bps (finalJob.whenRun: ALWAYS), and only it', () => {
    expect(wf.jobs.map((j) => j.runWhen)).toEqual([undefined, undefined, undefined, undefined, 'always']);
    const onSuccess = lsstWorkflow({
      name: 'x',
      nodes,
      commands: values,
      templates,
      resources: () => ({ requestMemory: 1, requestCpus: 1 }),
      finalRunWhen: 'success',
    });
    expect(onSuccess.jobs[4].runWhen).toBeUndefined();
  });

  it("reads bps's finalJob.whenRun and refuses NEVER, naming the key", () => {
    expect(finalRunWhen({})).toBe('always');
    expect(finalRunWhen({ finalJob: { whenRun: 'ALWAYS' } })).toBe('always');
    expect(finalRunWhen({ finalJob: { whenRun: 'success' } })).toBe('success');
    expect(() => finalRunWhen({ finalJob: { whenRun: 'NEVER' } })).toThrow(
      /finalJob.whenRun: NEVER is not ALWAYS or SUCCESS/,
    );
  });

  it('gives each job the resources of its label, with retries and the memory multiplier', () => {
    expect(wf.jobs[3]).toMatchObject({ requestMemory: 4096, numberOfRetries: 2, memoryMultiplier: 2 });
    expect(wf.jobs[1].requestMemory).toBe(1024);
  });
});

describe('finding the LSST stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-stack-'));
  const bin = join(dir, 'venv', 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['pipetask', 'butler', 'python']) {
    writeFileSync(join(bin, name), name === 'python' ? '#!/bin/sh\n' : `#!${join(bin, 'python')}\n`);
    chmodSync(join(bin, name), 0o755);
  }

  it('takes lsstBin relative to the submit YAML, then $CTRL_MPEXEC_DIR, then PATH', () => {
    const s = findLsstStack({ lsstBin: 'venv/bin', configFile: join(dir, 'bps.yaml'), env: { PATH: '' } });
    expect(s).toMatchObject({ pipetask: join(bin, 'pipetask'), python: join(bin, 'python') });
    expect(findLsstStack({ env: { PATH: `/nonexistent:${bin}` } }).butler).toBe(join(bin, 'butler'));
  });

  it('says how to set the stack up when pipetask is nowhere', () => {
    expect(() => findLsstStack({ env: { PATH: '/nonexistent' } })).toThrow(/setup lsst_distrib.*lsstBin/);
    expect(() => findLsstStack({ lsstBin: '/nonexistent', env: {} })).toThrow(/is not an executable/);
  });
});
