// The HTTP layer on node:http (measured against fastify for this server: bench/serve/http-layer.js).
// A body is buffered up to the size limit and no further: past it the request is answered 413 and the
// connection closed once the client has had a moment to read the answer. All bodies held at once share
// one budget (many connections each sending a body just under the limit must not exhaust memory):
// past it, 503.
import * as http from 'node:http';
import type { Socket } from 'node:net';

export interface RawRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer | null;
  /** performance.now() when the request's headers arrived. */
  arrived: number;
}

export interface RawResponse {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (req: RawRequest) => Promise<RawResponse>;

export interface HttpOptions {
  bodyLimit: number;
  /** Whole-request receive deadline (slow clients), ms. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Answers with Connection: close once true (shutting down). */
  closing: () => boolean;
  tooLarge: (bytes: number | null) => RawResponse;
  /** Request bodies held at once (received, being parsed or answered), over all connections. */
  bodyBudget: number;
  /** The answer when a body would take the server over bodyBudget. */
  overloaded: (held: number) => RawResponse;
  /** A connection opened or a request's headers arrived. */
  onActivity: () => void;
  onError: (err: unknown) => RawResponse;
}

/** How long the rest of an over-limit body is read and thrown away, so the client sees the 413. */
const DISCARD_MS = 1000;

function send(res: http.ServerResponse, r: RawResponse, close: boolean): void {
  const headers: Record<string, string | number> = {
    'Content-Type': r.contentType ?? 'application/json',
    'Content-Length': Buffer.byteLength(r.body),
    ...r.headers,
  };
  if (close) headers.Connection = 'close';
  res.writeHead(r.status, headers);
  res.end(r.body);
}

function refuseBody(req: http.IncomingMessage, res: http.ServerResponse, r: RawResponse): void {
  send(res, r, true);
  const socket: Socket = req.socket;
  const t = setTimeout(() => socket.destroy(), DISCARD_MS);
  t.unref();
  socket.once('close', () => clearTimeout(t));
  req.removeAllListeners('data');
  req.resume();
}

export function createHttpServer(handler: Handler, o: HttpOptions): http.Server {
  let held = 0;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const arrived = performance.now();
    o.onActivity();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    // Bytes of this request's body counted in the server-wide budget, until its answer is written.
    let mine = 0;
    const release = (): void => { held -= mine; mine = 0; };
    const finish = (body: Buffer | null): void => {
      handler({ method, path, headers: req.headers, body, arrived })
        .catch((err: unknown) => o.onError(err))
        .then((r) => { if (!res.headersSent && !res.destroyed) send(res, r, o.closing()); })
        .finally(release);
    };
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > o.bodyLimit) { refuseBody(req, res, o.tooLarge(Number(declared))); return; }
    if (declared === undefined && req.headers['transfer-encoding'] === undefined) { req.resume(); finish(null); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = (r: RawResponse): void => {
      refused = true;
      chunks.length = 0;
      release();
      refuseBody(req, res, r);
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > o.bodyLimit) { refuse(o.tooLarge(null)); return; }
      if (held + c.length > o.bodyBudget) { refuse(o.overloaded(held)); return; }
      held += c.length;
      mine += c.length;
      chunks.push(c);
    });
    req.on('end', () => {
      if (refused) return;
      finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    // A client gone before its body ended frees its share.
    req.on('close', () => { if (!req.complete) release(); });
    req.on('error', () => { release(); res.destroy(); });
  };
  const server = http.createServer({
    requestTimeout: o.requestTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    // Node answers Expect: 100-continue itself unless told; an over-limit declared body is refused first.
  }, onRequest);
  server.on('connection', o.onActivity);
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (declared > o.bodyLimit) { send(res, o.tooLarge(declared), true); return; }
    res.writeContinue();
    onRequest(req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return; }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: `Bad HTTP request (${err.code ?? 'parse error'})`, code: 'ERR_FORMAT' });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}
