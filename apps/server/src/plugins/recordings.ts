// Recordings: immutable traces with their configuration, stored by the RecordingStore.
import { TRACE_FORMATS, encodeTrace, type TraceFormat } from '@lockscope/trace';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { decodeUpload, exportTrace } from '../trace-io.js';
import { findRun, idParams, titleSchema } from './runs.js';
import { putRecording, readRecording } from '../store/recording-store.js';

/** Content types accepted for uploads; the format itself is detected from the content. */
const UPLOAD_TYPES = ['application/octet-stream', 'application/json', 'application/x-ndjson'];

const EXTENSIONS: Record<TraceFormat, string> = { binary: 'lkscope', ndjson: 'ndjson', chrome: 'json' };

export const shareUrl = (id: string): string => `/r/${id}`;

function titleFromMeta(meta: Record<string, unknown>, fallback: string): string {
  const t = meta.title;
  return typeof t === 'string' && t.trim() !== '' ? t.trim().slice(0, 200) : fallback;
}

export const recordingRoutes: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  const rateLimit = { max: ctx.config.rateLimitPerMinute, timeWindow: 60_000 };

  // Uploads: raw bodies up to the upload limit, in their own context so that application/json
  // reaches the handler as bytes rather than through the JSON parser.
  await app.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser(UPLOAD_TYPES, { parseAs: 'buffer', bodyLimit: ctx.config.uploadLimit }, (_request, body, done) => done(null, body));
    uploads.post<{ Querystring: { title?: string }; Body: Buffer }>(
      '/api/recordings',
      {
        bodyLimit: ctx.config.uploadLimit,
        schema: { querystring: { type: 'object', additionalProperties: false, properties: { title: titleSchema } } },
        config: { rateLimit },
      },
      async (request, reply) => {
        const body = request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpError(400, 'malformed_trace', 'the upload is empty: send the trace file as the request body');
        const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        const { trace, format } = decodeUpload(bytes);
        const binary = format === 'binary' ? bytes : encodeTrace(trace);
        const id = newId();
        const meta = await putRecording(
          ctx.store,
          id,
          { title: request.query.title ?? titleFromMeta(trace.meta, `uploaded ${format} trace`), events: trace.length, source: 'upload', config: null },
          binary,
        );
        request.log.info({ recording: id, format, events: trace.length }, 'trace uploaded');
        return reply.code(201).send({ ...meta, url: shareUrl(id), format });
      },
    );
  });

  app.post<{ Params: { id: string }; Body: { title?: string } | undefined }>(
    '/api/runs/:id/recording',
    {
      schema: { params: idParams, body: { type: ['object', 'null'], additionalProperties: false, properties: { title: titleSchema } } },
      config: { rateLimit },
    },
    async (request, reply) => {
      const run = findRun(ctx, request.params.id);
      const trace = run.source.trace;
      // Synchronous from here to encodeTrace: the snapshot is the trace as it is at this instant.
      const events = trace.length;
      const binary = encodeTrace(trace);
      const config = { ...run.config, strategy: run.source.strategy() ?? null, changes: run.changes, simTimeNs: run.simTimeNs, speed: run.speed };
      const scenario = typeof run.config.scenario === 'string' ? run.config.scenario : 'run';
      const preset = typeof run.config.preset === 'string' ? ` / ${run.config.preset}` : '';
      const id = newId();
      const meta = await putRecording(ctx.store, id, { title: request.body?.title ?? `${scenario}${preset}`, events, source: run.source.kind, config }, binary);
      return reply.code(201).send({ ...meta, url: shareUrl(id) });
    },
  );

  app.get<{ Querystring: { limit: number; offset: number } }>(
    '/api/recordings',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, offset: { type: 'integer', minimum: 0, default: 0 } },
        },
      },
    },
    async (request) => {
      const page = await ctx.store.list(request.query.limit, request.query.offset);
      return { ...page, items: page.items.map((m) => ({ ...m, url: shareUrl(m.id) })) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format: TraceFormat } }>(
    '/api/recordings/:id',
    {
      schema: {
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: [...TRACE_FORMATS], default: 'binary' } } },
      },
    },
    async (request, reply) => {
      const trace = await readRecording(ctx.store, request.params.id);
      if (!trace) throw notFound(`recording ${request.params.id}`);
      const { body, type } = exportTrace(trace, request.query.format);
      const file = `lockscope-${request.params.id}.${EXTENSIONS[request.query.format]}`;
      return reply
        .type(type)
        .header('Content-Disposition', `attachment; filename="${file}"`)
        .header('Cache-Control', 'public, max-age=31536000, immutable')
        .send(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    },
  );

  /** Metadata and configuration of a recording (what a share URL re-opens). */
  app.get<{ Params: { id: string } }>('/api/recordings/:id/info', { schema: { params: idParams } }, async (request) => {
    const info = await ctx.store.info(request.params.id);
    if (!info) throw notFound(`recording ${request.params.id}`);
    return { ...info.meta, url: shareUrl(info.meta.id), config: info.config };
  });
};
