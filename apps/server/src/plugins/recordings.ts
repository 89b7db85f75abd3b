// Recordings: immutable traces with their configuration, stored by the RecordingStore in chunks.
// Uploads and downloads stream: nothing holds a whole trace on the server's thread.
import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BinaryFileWriter, TRACE_FORMATS, type TraceFormat } from '@lockscope/trace';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import { newId } from '../ids.js';
import { putRecording } from '../store/recording-store.js';
import { CONTENT_TYPES, exportTrace, importTrace, readBody } from '../trace-io.js';
import { findRun } from '../runs/http.js';
import { idParams, pageQuery, titleSchema } from './schemas.js';

/** Content types accepted for uploads; the format itself is detected from the content. */
export const UPLOAD_TYPES = ['application/octet-stream', 'application/json', 'application/x-ndjson'];

const EXTENSIONS: Record<TraceFormat, string> = { binary: 'lkscope', ndjson: 'ndjson', chrome: 'json' };

export const shareUrl = (id: string): string => `/r/${id}`;

function titleFromMeta(meta: Record<string, unknown>, fallback: string): string {
  const t = meta.title;
  return typeof t === 'string' && t.trim() !== '' ? t.trim().slice(0, 200) : fallback;
}

export const recordingRoutes: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  const rateLimit = ctx.rateLimit;

  // Uploads: the raw body stream, in their own context so that application/json reaches the
  // handler as bytes rather than through the JSON parser.
  await app.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser(UPLOAD_TYPES, (_request, payload, done) => done(null, payload));
    uploads.post<{ Querystring: { title?: string }; Body: Readable }>(
      '/api/recordings',
      {
        schema: { querystring: { type: 'object', additionalProperties: false, properties: { title: titleSchema } } },
        config: { rateLimit },
      },
      async (request, reply) => {
        const release = await ctx.jobs.admit(request.ip, 'uploads');
        const id = newId();
        const writer = await ctx.store.begin(id);
        try {
          const body = readBody(request.body, { maxBytes: ctx.config.uploadLimit, idleMs: ctx.config.bodyIdleTimeoutMs });
          const { format, events, meta: traceMeta, warnings } = await importTrace(body, writer);
          const meta = await writer.commit({ title: request.query.title ?? titleFromMeta(traceMeta, `uploaded ${format} trace`), events, source: 'upload', config: null });
          request.log.info({ recording: id, format, events, repairs: warnings.length }, 'trace uploaded');
          return reply.code(201).send({ ...meta, url: shareUrl(id), format, warnings });
        } catch (error) {
          await writer.abort();
          throw error;
        } finally {
          release();
        }
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
      // The snapshot is the run as it reports itself at this instant: its first `events` events
      // (columns are append-only, so they stay as they are while the run goes on).
      const events = run.events;
      const truncated = run.reason === 'event-limit' ? { reason: 'event-limit', events, limit: run.limits.maxEvents } : undefined;
      const writer = new BinaryFileWriter(truncated ? { ...trace.meta, truncated } : undefined);
      const config = { ...run.config, strategy: run.source.strategy() ?? null, changes: run.changes, simTimeNs: run.simTimeNs, speed: run.speed, ...(truncated ? { truncated } : {}) };
      const scenario = typeof run.config.scenario === 'string' ? run.config.scenario : 'run';
      const preset = typeof run.config.preset === 'string' ? ` / ${run.config.preset}` : '';
      // Encoded a frame at a time, letting other requests in between frames.
      async function* file(): AsyncGenerator<Uint8Array> {
        yield writer.header();
        for (const frame of writer.frames(trace, 0, undefined, events)) {
          yield frame;
          await nextTurn();
        }
        yield* writer.end(trace);
      }
      const meta = await putRecording(ctx.store, newId(), { title: request.body?.title ?? `${scenario}${preset}`, events, source: run.source.kind, config }, file());
      return reply.code(201).send({ ...meta, url: shareUrl(meta.id) });
    },
  );

  app.get<{ Querystring: { limit: number; offset: number } }>(
    '/api/recordings',
    {
      schema: {
        querystring: pageQuery,
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
      config: { publicLink: true },
    },
    async (request, reply) => {
      const meta = await ctx.store.meta(request.params.id);
      if (!meta) throw notFound(`recording ${request.params.id}`);
      const format = request.query.format;
      const release = format === 'binary' ? () => {} : await ctx.jobs.admit(request.ip, 'downloads');
      const chunks = await ctx.store.chunks(request.params.id);
      if (!chunks) {
        release();
        throw notFound(`recording ${request.params.id}`);
      }
      const file = `lockscope-${meta.id}.${EXTENSIONS[format]}`;
      reply.type(CONTENT_TYPES[format]).header('Content-Disposition', `attachment; filename="${file}"`).header('Cache-Control', 'private, max-age=31536000, immutable');
      if (format === 'binary') reply.header('Content-Length', String(meta.bytes));
      return reply.send(exportTrace(chunks, format, release));
    },
  );

  /** Metadata and configuration of a recording (what a share URL re-opens). */
  app.get<{ Params: { id: string } }>('/api/recordings/:id/info', { schema: { params: idParams }, config: { publicLink: true } }, async (request) => {
    const info = await ctx.store.info(request.params.id);
    if (!info) throw notFound(`recording ${request.params.id}`);
    return { ...info.meta, url: shareUrl(info.meta.id), config: info.config };
  });
};
