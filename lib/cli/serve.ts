// `blasnet serve`: the inference server on the command line (JSON log lines on stdout).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseByteSize } from '../limits';
import type { ServeOptions } from '../serve/options';
import { intOption } from './flags';

function size(v: string): number {
  const n = parseByteSize(v);
  if (n === null) throw new InvalidArgumentError('Expected a size such as 16M, 512K or a byte count.');
  return n;
}

interface ServeFlags {
  port: number; host: string; maxBatchSize: number; maxQueueDelayUs: number; maxQueueRows?: number; maxRows: number;
  bodyLimit: number; bodyBudget?: number; timeoutMs: number; authToken?: string; workers: number; pollIntervalMs: number;
  shutdownTimeoutMs: number; logRequests?: boolean; logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function registerServe(program: Command): void {
  program.command('serve')
    .description('serve models over HTTP (Open Inference Protocol v2 and TF Serving REST) with dynamic batching, metrics and hot reload')
    .argument('<models...>', 'model folders (model.json inside, or integer version subfolders: the newest is served), or one repository folder of models')
    .addOption(intOption('--port <n>', 'TCP port (0: any free one)', 0, 65535).default(8501))
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .addOption(intOption('--max-batch-size <n>', 'most rows merged into one engine call (1: no batching)', 1, 1 << 20).default(256))
    .addOption(intOption('--max-queue-delay-us <n>', 'how long an idle engine waits for more requests, in microseconds', 0, 60_000_000).default(0))
    .addOption(intOption('--max-queue-rows <n>', 'rows waiting per model before requests get 503 (default 16 x the batch size)', 1, 1 << 30))
    .addOption(intOption('--max-rows <n>', 'rows one request may carry', 1, 1 << 24).default(4096))
    .option('--body-limit <size>', 'largest request body', size, 16 * 2 ** 20)
    .option('--body-budget <size>', 'request bodies held at once over all connections (503 past it; default a quarter of the memory limit)', size)
    .addOption(intOption('--timeout-ms <ms>', 'deadline of an inference request (504 past it)', 1, 3_600_000).default(30_000))
    .option('--auth-token <token>', 'bearer token the model endpoints require (or set BLASNET_SERVE_TOKEN)')
    .addOption(intOption('--workers <n>', 'server processes on the one port, the engine threads divided between them', 1, 256).default(1))
    .addOption(intOption('--poll-interval-ms <ms>', 'how often version folders are checked for a new version (0: on SIGHUP only)', 0, 86_400_000).default(2000))
    .addOption(intOption('--shutdown-timeout-ms <ms>', 'how long SIGTERM / SIGINT wait for queued requests', 0, 3_600_000).default(10_000))
    .option('--log-requests', 'one JSON log line per request')
    .addOption(new Option('--log-level <level>', 'least severe log level written').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(async (models: string[], o: ServeFlags) => {
      // Loaded here: the server's modules (and prom-client) cost nothing to the other commands.
      const [{ serve }, { serveCluster }, { streamSink }] = await Promise.all([import('../serve'), import('../serve/cluster'), import('../serve/log')]);
      const sink = streamSink(process.stdout);
      const options: ServeOptions = {
        models: models.length === 1 ? models[0]! : models,
        port: o.port, host: o.host, maxBatchSize: o.maxBatchSize, maxQueueDelayMicros: o.maxQueueDelayUs,
        ...(o.maxQueueRows !== undefined ? { maxQueueRows: o.maxQueueRows } : {}),
        maxRowsPerRequest: o.maxRows, bodyLimit: o.bodyLimit, timeoutMs: o.timeoutMs,
        ...(o.bodyBudget !== undefined ? { bodyBudget: o.bodyBudget } : {}),
        ...(o.authToken !== undefined ? { authToken: o.authToken } : {}),
        pollIntervalMs: o.pollIntervalMs, shutdownTimeoutMs: o.shutdownTimeoutMs, logRequests: o.logRequests === true,
        logLevel: o.logLevel, log: sink,
      };
      if (o.workers > 1) await serveCluster(options, o.workers, sink);
      else await serve({ ...options, handleSignals: true });
    });
}
