// Training jobs on a BullMQ queue (Redis): describe a job in JSON, submit it, run workers anywhere that
// can reach Redis and the data, follow and collect the results, search hyper-parameters.
export { resolveJob, toDescription, OPTIMIZERS } from './description';
export type { JobDescription, JobLayer, JobTask, ResolvedJob } from './description';
export { runJob, modelFromResult, MAX_INLINE_BYTES } from './run';
export type { JobResult, JobProgress, InlineModel, RunJobOptions } from './run';
export { startWorker } from './worker';
export type { WorkerOptions, WorkerEvent, JobWorker } from './worker';
export {
  JobQueue, openQueue, submitJob, submitJobs, waitForJob, getJobStatus, getJobResult, listJobs, jobCounts, cancelJob, jobFailure,
} from './client';
export type { JobState, JobStatus, SubmitOptions, WaitOptions } from './client';
export type { ConnectionOptions } from './connection';
export type { WorkerJobResult } from './processor';
export { tune, saveTuneResult, trialParameters, applyParameter, defaultObjective, PARAMETER_ALIASES } from './tune';
export type { TuneOptions, TuneResult, Trial, Distribution } from './tune';
