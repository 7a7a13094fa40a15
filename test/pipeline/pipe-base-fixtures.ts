/**
 * Pipeline files in the shapes real ones have (drp_pipe's ingredients and LSSTCam-imSim
 * pipelines, obs_lsst's imsim/DRP.yaml#singleFrame, gen3_workflow's DRP.yaml, pipe_base's test
 * pipelines), written by code into a directory for the pipe_base oracle test. Relative imports
 * name files of the root: pipe_base resolves them from the current directory, which the test
 * sets to the root.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface OracleCase {
  /** the name docs/pipelines.md uses when it lists an intentional difference */
  name: string;
  /** file relative to the root, optionally #selection */
  spec: string;
}

const FILES: Record<string, string> = {
  'drp_pipe/pipelines/_ingredients/LSSTCam-imSim/DRP.yaml': `
description: |
  Ingredient of the LSSTCam-imSim DRP: single-frame processing, visit summaries, coaddition
  and multi-band measurement.
instrument: lsst.obs.lsst.LsstCamImSim
parameters:
  coaddName: deep
  doApplyFlatBackgroundRatio: false
tasks:
  isr:
    class: lsst.ip.isr.IsrTaskLSST
    config:
      doDefect: true
      connections.newBFKernel: bfk
  calibrateImage:
    class: lsst.pipe.tasks.calibrateImage.CalibrateImageTask
    config:
      - python: |
          config.astrometry.matcher.maxOffsetPix = 300
          config.photometry.match.sourceSelection.doFlags = True
      - file: $DRP_PIPE_DIR/config/LSSTCam-imSim/calibrateImage.py
  consolidateVisitSummary: lsst.pipe.tasks.postprocess.ConsolidateVisitSummaryTask
  makeDirectWarp:
    class: lsst.drp.tasks.make_direct_warp.MakeDirectWarpTask
    config:
      connections.coaddName: parameters.coaddName
      doApplyFlatBackgroundRatio: parameters.doApplyFlatBackgroundRatio
  assembleCoadd:
    class: lsst.drp.tasks.assemble_coadd.CompareWarpAssembleCoaddTask
    config:
      connections.outputCoaddName: parameters.coaddName
      doInputMap: true
  detection: lsst.pipe.tasks.multiBand.DetectCoaddSourcesTask
  mergeDetections: lsst.pipe.tasks.mergeDetections.MergeDetectionsTask
  deblend: lsst.pipe.tasks.deblendCoaddSourcesPipeline.DeblendCoaddSourcesMultiTask
  measure: lsst.pipe.tasks.multiBand.MeasureMergedCoaddSourcesTask
  forcedPhotCoadd: lsst.drp.tasks.forcedPhotCoadd.ForcedPhotCoaddTask
subsets:
  step1:
    subset: [isr, calibrateImage]
    description: Per-detector single-frame processing.
  step2a:
    subset: [consolidateVisitSummary]
    description: Per-visit summaries.
  step3:
    subset: [makeDirectWarp, assembleCoadd, detection, mergeDetections, deblend, measure, forcedPhotCoadd]
    description: Coaddition and coadd measurement, per tract.
  coaddMeasurement: [detection, mergeDetections, deblend, measure]
steps:
  - label: step1
    dimensions: [instrument, exposure, detector]
  - label: step2a
    dimensions: [instrument, visit]
  - label: step3
    dimensions: [skymap, tract]
contracts:
  - contract: makeDirectWarp.connections.coaddName == assembleCoadd.connections.outputCoaddName
    msg: The warps and the coadds must use the same coadd name
  - measure.connections.inputCoaddName == forcedPhotCoadd.connections.inputCoaddName
  - isr.doDefect or not calibrateImage.doApplyDefects
`,
  'drp_pipe/pipelines/_ingredients/analysis.yaml': `
description: Analysis tools run after the DRP
tasks:
  analyzeObjectTableCore:
    class: lsst.analysis.tools.tasks.ObjectTableTractAnalysisTask
    config:
      connections.outputName: objectTableCore
      python: |
        from lsst.analysis.tools.atools import ShapeSizeFractionalDiff
        config.atools.shapeSizeFractionalDiff = ShapeSizeFractionalDiff()
  analyzeSourceTableCore: lsst.analysis.tools.tasks.SourceTableVisitAnalysisTask
subsets:
  analysis:
    subset: [analyzeObjectTableCore, analyzeSourceTableCore]
    description: Core analysis of the object and source tables.
`,
  'drp_pipe/pipelines/LSSTCam-imSim/DRP-test-med-1.yaml': `
description: The LSSTCam-imSim DRP for the test-med-1 data set.
instrument: lsst.obs.lsst.LsstCamImSim
imports:
  - location: $DRP_PIPE_DIR/pipelines/_ingredients/LSSTCam-imSim/DRP.yaml
    exclude: [forcedPhotCoadd]
    labeledSubsetModifyMode: EDIT
  - location: \${DRP_PIPE_DIR}/pipelines/_ingredients/analysis.yaml
    include: [analysis]
tasks:
  assembleCoadd:
    class: lsst.drp.tasks.assemble_coadd.CompareWarpAssembleCoaddTask
    config:
      doInputMap: true
      doWrite: false
  isr:
    class: lsst.ip.isr.IsrTaskLSST
    config:
      doDefect: false
subsets:
  step4:
    subset: [analyzeObjectTableCore, analyzeSourceTableCore]
    description: Analysis.
steps:
  - label: step4
    dimensions: [skymap, tract]
`,
  'obs_lsst/pipelines/imsim/DRP.yaml': `
description: The imSim DRP as obs_lsst ships it, with a singleFrame subset for bps.
instrument: lsst.obs.lsst.LsstCamImSim
imports:
  - $DRP_PIPE_DIR/pipelines/LSSTCam-imSim/DRP-test-med-1.yaml
subsets:
  singleFrame:
    subset: [isr, calibrateImage]
    description: Single-frame processing (ISR, calibration)
`,
  'gen3_workflow/pipelines/DRP.yaml': `
description: gen3_workflow's DRP for its imSim tests
instrument: lsst.obs.lsst.LsstCamImSim
imports:
  - location: \${OBS_LSST_DIR}/pipelines/imsim/DRP.yaml
    include: [singleFrame, consolidateVisitSummary, coaddMeasurement]
    importContracts: false
tasks:
  calibrateImage:
    class: lsst.pipe.tasks.calibrateImage.CalibrateImageTask
    config:
      python: config.doAstrometry = False
`,
  'base.yaml': `
description: A small pipeline in the shape of pipe_base's test pipelines
instrument: lsst.obs.subaru.HyperSuprimeCam
parameters:
  threshold: 5.0
  outName: add_dataset1
tasks:
  a:
    class: lsst.pipe.base.tests.simpleQGraph.AddTask
    config:
      addend: 1
      connections.out: parameters.outName
  b:
    class: lsst.pipe.base.tests.simpleQGraph.AddTask
    config:
      - addend: 2
      - python: "config.addend += 1"
  c:
    class: lsst.pipe.base.tests.simpleQGraph.AddTask
    config:
      addend: parameters.threshold
      list: [parameters.threshold]
      missing: parameters.nowhere
subsets:
  s1: [a, b]
  s2:
    subset: [b]
    description: only b
  s3: [c]
steps:
  - label: s1
    dimensions: [instrument, detector]
  - label: s3
    dimensions: [instrument]
contracts:
  - contract: a.addend < b.addend
    msg: a adds less than b
  - "c.addend > 0"
  - a.connections.out != "x"
`,
  'edit-mode.yaml': `
description: exclude with labeledSubsetModifyMode EDIT keeps the edited subsets
imports:
  - location: base.yaml
    exclude: [b]
    labeledSubsetModifyMode: EDIT
`,
  'drop-mode.yaml': `
description: exclude in DROP mode drops the subsets (and steps) that lose a label
imports:
  - location: base.yaml
    exclude: b
`,
  'no-contracts-steps.yaml': `
description: importContracts and importSteps false
imports:
  - location: base.yaml
    importContracts: false
    importSteps: false
`,
  'include-subset.yaml': `
description: include names a subset and a label
imports:
  - location: base.yaml
    include: [s3, a]
`,
  'two-imports.yaml': `
description: the same file imported twice with disjoint includes
imports:
  - location: base.yaml
    include: [a]
  - location: base.yaml
    include: [c]
parameters:
  threshold: 7
`,
  'redeclare.yaml': `
description: a label declared again with another class is replaced, with the same class its configs are added
imports:
  - base.yaml
tasks:
  a:
    class: lsst.pipe.base.tests.simpleQGraph.AddTask2
    config:
      addend: 10
  c:
    class: lsst.pipe.base.tests.simpleQGraph.AddTask
    config:
      - addend: 3
      - file: [overrides/c1.py, overrides/c2.py]
  b:
    class: lsst.pipe.base.tests.simpleQGraph.AddTask
    config:
      other: 4
`,
  'rename.yaml': `
description: an import renames a label
imports:
  - location: base.yaml
    exclude: [b]
    rename:
      a: first
`,
  'instrument-none.yaml': `
description: the import drops its instrument and the file sets another
instrument: lsst.obs.lsst.LsstCam
imports:
  - location: base.yaml
    instrument: None
`,
  'ts-tasks.yaml': `
description: quanta TypeScript and command tasks read by pipe_base as class names
parameters:
  bias: 12
tasks:
  isr:
    class: ./tasks.ts#isr
    config:
      bias: parameters.bias
  measure:
    class: command
    config:
      argv: [python, measure.py, '{input.calexp}']
      dimensions: [instrument, visit, detector]
subsets:
  sfp: [isr, measure]
contracts:
  - isr.bias == 12
`,
  'yaml-1.1.yaml': `
description: PyYAML reads YAML 1.1
tasks:
  a:
    class: lsst.pipe.base.tests.simpleQGraph.AddTask
    config:
      doWrite: yes
      doPlot: off
      band: y
      flag: N
      big: 1_000
      octal: 017
      hex: 0x1F
      mixed: [1, 2.5, "s", ~, True]
`,
  'exponent.yaml': `
description: PyYAML reads 1e-3 as a string
tasks:
  a:
    class: lsst.pipe.base.tests.simpleQGraph.AddTask
    config:
      tolerance: 1e-3
`,
  'include-unknown.yaml': `
description: include names a label the imported file does not have
imports:
  - location: base.yaml
    include: [a, calibrate]
`,
  'sub/relative.yaml': `
description: a relative import location, next to this file
imports:
  - location: sibling.yaml
`,
  'sub/sibling.yaml': `
description: imported by sub/relative.yaml
tasks:
  a: lsst.pipe.base.tests.simpleQGraph.AddTask
`,
  'unset-var.yaml': `
description: an import location names an environment variable that is not set
imports:
  - $QUANTA_TEST_NOT_SET/pipelines/DRP.yaml
`,
  'dup-label.yaml': `
description: a label imported twice
imports:
  - location: base.yaml
    include: [a]
  - location: base.yaml
    include: [a, c]
`,
  'bad-step.yaml': `
description: a step that is not a subset
tasks:
  a: lsst.pipe.base.tests.simpleQGraph.AddTask
steps:
  - label: nope
    dimensions: [instrument]
`,
  'bad-subset.yaml': `
description: a subset names a label that does not exist
tasks:
  a: lsst.pipe.base.tests.simpleQGraph.AddTask
subsets:
  s: [a, b]
`,
  'instrument-clash.yaml': `
description: two instruments
instrument: lsst.obs.lsst.LsstCam
imports:
  - base.yaml
`,
};

export const ORACLE_CASES: OracleCase[] = [
  { name: 'drp-ingredient', spec: 'drp_pipe/pipelines/_ingredients/LSSTCam-imSim/DRP.yaml' },
  { name: 'drp-test-med-1', spec: 'drp_pipe/pipelines/LSSTCam-imSim/DRP-test-med-1.yaml' },
  { name: 'drp-step3', spec: 'drp_pipe/pipelines/LSSTCam-imSim/DRP-test-med-1.yaml#step3' },
  { name: 'obs-lsst-singleFrame', spec: 'obs_lsst/pipelines/imsim/DRP.yaml#singleFrame' },
  { name: 'obs-lsst-labels', spec: 'obs_lsst/pipelines/imsim/DRP.yaml#isr,step2a,analyzeObjectTableCore' },
  { name: 'gen3-workflow', spec: 'gen3_workflow/pipelines/DRP.yaml' },
  { name: 'base', spec: 'base.yaml' },
  { name: 'base-fragment', spec: 'base.yaml#a,s3' },
  { name: 'edit-mode', spec: 'edit-mode.yaml' },
  { name: 'drop-mode', spec: 'drop-mode.yaml' },
  { name: 'no-contracts-steps', spec: 'no-contracts-steps.yaml' },
  { name: 'include-subset', spec: 'include-subset.yaml' },
  { name: 'two-imports', spec: 'two-imports.yaml' },
  { name: 'redeclare', spec: 'redeclare.yaml' },
  { name: 'rename', spec: 'rename.yaml' },
  { name: 'instrument-none', spec: 'instrument-none.yaml' },
  { name: 'ts-tasks', spec: 'ts-tasks.yaml' },
  { name: 'yaml-1.1', spec: 'yaml-1.1.yaml' },
  { name: 'exponent', spec: 'exponent.yaml' },
  { name: 'include-unknown', spec: 'include-unknown.yaml' },
  { name: 'relative-import', spec: 'sub/relative.yaml' },
  { name: 'unset-var', spec: 'unset-var.yaml' },
  { name: 'dup-label', spec: 'dup-label.yaml' },
  { name: 'bad-step', spec: 'bad-step.yaml' },
  { name: 'bad-subset', spec: 'bad-subset.yaml' },
  { name: 'instrument-clash', spec: 'instrument-clash.yaml' },
];

/** Write every file under `root`; returns the environment the imports need. */
export function writeOracleFixtures(root: string): Record<string, string> {
  for (const [rel, text] of Object.entries(FILES)) {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text.trimStart());
  }
  return { DRP_PIPE_DIR: join(root, 'drp_pipe'), OBS_LSST_DIR: join(root, 'obs_lsst') };
}
