// The inference server. serve() loads its modules (and prom-client) on first use, so that importing
// blasnet costs nothing for programs that never serve.
import type { InferenceServer } from './server';
import type { ServeOptions } from './options';

export type { InferenceServer, ServedModelStatus } from './server';
export type { ServeOptions } from './options';
export type { ModelsOption } from './repository';
export type { LogSink, LogLevel } from './log';

/** Starts an inference server over `options.models`; resolves once every model is loaded, warmed and listening. */
export async function serve(options: ServeOptions): Promise<InferenceServer> {
  const server = await import('./server');
  return server.serve(options);
}
