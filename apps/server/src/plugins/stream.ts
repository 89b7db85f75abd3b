// /api/runs/:id/stream: a run over WebSocket. The server sends a JSON `hello`, then binary
// frames of the trace codec (or NDJSON text with ?format=ndjson), JSON `status` and `error`
// messages; the client sends JSON control messages (see README: HTTP API and WebSocket protocol).
import { PROTOCOL_VERSION, type Hello } from '@lockscope/trace/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { AppContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ControlMessageError, applyControl, parseControl } from '../runs/control.js';
import { ControlError } from '../runs/source.js';
import { Viewer, type StreamFormat } from '../runs/viewer.js';
import { relayStream, relayable, remoteRun } from '../cluster/relay.js';
import type { RegisteredRun } from '../cluster/registry.js';
import { originAllowed } from './access.js';
import { findRun } from '../runs/http.js';
import { idParams } from './schemas.js';

/** Control messages are small; anything longer is refused without parsing. */
const MAX_CONTROL_BYTES = 4096;

interface StreamRequest {
  Params: { id: string };
  Querystring: { format?: StreamFormat };
}

function errorMessage(error: string, message: string, field?: string): Record<string, string> {
  return field === undefined ? { type: 'error', error, message } : { type: 'error', error, message, field };
}

export const streamRoutes: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  /** Upgrades found by preHandler to be for another instance's run. */
  const relayed = new WeakMap<object, RegisteredRun>();
  app.route<StreamRequest>({
    method: 'GET',
    url: '/api/runs/:id/stream',
    schema: {
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['binary', 'ndjson'] } } },
    },
    // Refuses the upgrade with a plain HTTP error when the run is unknown or full.
    preHandler: async (request) => {
      // Browsers send Origin on WebSocket upgrades and do not apply CORS to them: refuse pages of
      // other sites (cross-site WebSocket hijacking). Clients without Origin (scripts) are fine.
      const origin = request.headers.origin;
      if (origin !== undefined && !originAllowed(origin, request.headers.host, ctx.config.allowedOrigins)) {
        throw new HttpError(403, 'forbidden', `WebSocket connections from ${origin} are not accepted`);
      }
      if (!ctx.runs.get(request.params.id)) {
        // A live run of another instance of the deployment: relayed (wsHandler).
        const remote = await remoteRun(ctx, request.params.id);
        if (remote) {
          if (!relayable(remote)) throw new HttpError(409, 'conflict', `run ${remote.id} ${!remote.hostAlive ? 'ended with its instance' : `is ${remote.state}`}: nothing to stream`);
          relayed.set(request, remote);
          return;
        }
      }
      const run = findRun(ctx, request.params.id);
      if (run.viewers.size >= ctx.config.maxViewersPerRun) throw new HttpError(503, 'too_many_viewers', `run ${run.id} already has ${run.viewers.size} viewers`);
    },
    handler: async () => {
      throw new HttpError(426, 'upgrade_required', 'this is a WebSocket endpoint: connect with a WebSocket client');
    },
    wsHandler: (socket: WebSocket, request) => {
      const remote = relayed.get(request);
      if (remote) {
        relayed.delete(request);
        relayStream(socket, remote, request.query.format ? `?format=${request.query.format}` : '', ctx.config.token);
        return;
      }
      const run = ctx.runs.get(request.params.id);
      if (!run) {
        socket.close(1011, 'run vanished');
        return;
      }
      const format = request.query.format ?? 'binary';
      const viewer = new Viewer(socket, () => run.source.trace, format, () => run.events, run.frames);
      viewer.sendJson({ type: 'hello', protocol: PROTOCOL_VERSION, format, run: run.describe() } satisfies Hello);
      run.attach(viewer);

      socket.on('message', (data: RawData, isBinary: boolean) => {
        const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
        if (isBinary) return viewer.sendJson(errorMessage('invalid_input', 'control messages are JSON text; binary messages are not accepted'));
        if (size > MAX_CONTROL_BYTES) return viewer.sendJson(errorMessage('invalid_input', `control messages are at most ${MAX_CONTROL_BYTES} bytes`));
        let parsed: unknown;
        try {
          parsed = JSON.parse(String(data));
        } catch {
          return viewer.sendJson(errorMessage('invalid_json', 'a control message must be JSON'));
        }
        try {
          const message = parseControl(parsed);
          if (!run.live && message.type !== 'stop') return viewer.sendJson(errorMessage('conflict', `run is ${run.state}`));
          applyControl(run, message);
        } catch (error) {
          if (error instanceof ControlMessageError || error instanceof ControlError) {
            return viewer.sendJson(errorMessage('invalid_input', error.message, error.field));
          }
          request.log.error({ err: error }, 'control message failed');
          return viewer.sendJson(errorMessage('internal', 'the control message could not be applied'));
        }
      });
      socket.on('close', () => run.detach(viewer));
    },
  });
};
