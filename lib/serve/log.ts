// Structured logs: one JSON object per line ({time, level, msg, ...fields}), what log collectors parse.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (entry: Record<string, unknown>) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** JSON lines to a stream (stderr by default). */
export function streamSink(stream: NodeJS.WritableStream = process.stderr): LogSink {
  return (entry) => { stream.write(JSON.stringify(entry) + '\n'); };
}

export function createLogger(sink: LogSink | false, level: LogLevel = 'info', base: Record<string, unknown> = {}): Logger {
  const min = RANK[level];
  const at = (lv: LogLevel) => (msg: string, fields: Record<string, unknown> = {}): void => {
    if (!sink || RANK[lv] < min) return;
    sink({ time: new Date().toISOString(), level: lv, msg, ...base, ...fields });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
