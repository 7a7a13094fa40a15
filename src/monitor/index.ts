/** Public API of monitoring: the dashboard server, its JSON API, status watching, resource advice. */
export { startDashboard, buildDashboardApp, type Dashboard, type DashboardOptions } from './server.js';
export { RunApi, managerLive } from './api.js';
export type {
  RunPhase,
  StatusPayload,
  FailuresPayload,
  ResourcesPayload,
  TimelinePayload,
  JobsPayload,
  LogPayload,
} from './api.js';
export { listJobs, jobLog, type JobList, type JobListItem, type JobLog, type JobQuery } from './jobs.js';
export { TimelineBuilder, stepSeries, type Interval, type NodeSeries, type Timeline } from './timeline.js';
export { isLoopback, sameToken, tokenGuard } from './auth.js';
export { watchStatus, type WatchOptions } from './watch.js';
export { resourcesYaml, roundUpMemory, writeResourcesFile, type ResourcesFile } from './resources-file.js';
export { newestRunUnder, runLocator } from './find-run.js';
