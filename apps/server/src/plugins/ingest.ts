// Traced runs: a workload on this host's libvirtd (when it has one), and an ingest endpoint
// through which a tracer on another host streams its events (`lockscope trace --live URL`).
import { TraceError } from '@lockscope/trace';
import { TRACED_PARAMS, TRACED_WORKLOADS, checkPrerequisites, type TracedWorkload } from '@lockscope/tracer';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { forwardIngest, relayable, remoteRun } from '../cluster/relay.js';
import { IngestSource, TracedWorkloadSource } from '../runs/traced-source.js';
import { readBody } from '../trace-io.js';
import { createdRun, reserveRun } from '../runs/http.js';
import { idParams, nameSchema, titleSchema } from './schemas.js';

const MAX_TRACED_DOMAINS = 50;

export interface TracedRunBody {
  workload: TracedWorkload;
  params?: { domains?: number };
}

export interface IngestBody {
  title?: string;
  workload?: string;
  params?: Record<string, number | string>;
}

export const ingestRoutes: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  const rateLimit = ctx.rateLimit;

  /** Whether this host can run a traced libvirtd, and what it lacks. */
  app.get('/api/traced', async () => {
    const pre = checkPrerequisites();
    return { available: pre.ok, missing: pre.missing, workloads: [...TRACED_WORKLOADS], maxDomains: MAX_TRACED_DOMAINS };
  });

  app.post<{ Body: TracedRunBody }>(
    '/api/traced-runs',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['workload'],
          properties: {
            workload: { type: 'string', enum: [...TRACED_WORKLOADS] },
            params: { type: 'object', additionalProperties: false, properties: { domains: { type: 'integer', minimum: 1, maximum: MAX_TRACED_DOMAINS } } },
          },
        },
      },
      config: { rateLimit },
    },
    async (request, reply) => {
      const pre = checkPrerequisites();
      if (!pre.ok) throw new HttpError(503, 'internal', `this host cannot trace a real libvirtd: ${pre.missing.join('; ')}`);
      // One real daemon at a time: they would compete for the same CPUs and skew each other.
      if (ctx.runs.list().some((r) => r.live && r.source instanceof TracedWorkloadSource)) {
        throw new HttpError(409, 'conflict', 'a traced libvirtd run is already in progress on this host');
      }
      const params = { domains: request.body.params?.domains ?? TRACED_PARAMS.domains.default };
      reserveRun(ctx);
      const source = new TracedWorkloadSource(request.body.workload, params, (line) => request.log.info({ traced: line }));
      const run = ctx.runs.create(source, { scenario: request.body.workload, params, source: 'libvirtd' }, 1);
      request.log.info({ run: run.id, workload: request.body.workload, params }, 'traced run started');
      return reply.code(201).send(createdRun(run));
    },
  );

  app.post<{ Body: IngestBody | undefined }>(
    '/api/ingest',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            title: titleSchema,
            workload: nameSchema,
            params: { type: 'object', maxProperties: 16, additionalProperties: { type: ['integer', 'string'], maxLength: 100 } },
          },
        },
      },
      config: { rateLimit },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      reserveRun(ctx);
      const config = { scenario: body.workload ?? 'traced', params: body.params ?? {}, title: body.title ?? 'traced libvirtd (remote)', source: 'ingest' };
      const run = ctx.runs.create(new IngestSource(), config, 1);
      ctx.ingestJournal.open(run.id, config);
      request.log.info({ run: run.id }, 'ingest run created');
      return reply.code(201).send({ ...createdRun(run), ingest: `/api/runs/${run.id}/ingest` });
    },
  );

  // Frames: raw bodies up to the upload limit (with the idle timeout), in their own context.
  await app.register(async (frames) => {
    frames.removeAllContentTypeParsers();
    frames.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
    frames.post<{ Params: { id: string }; Querystring: { end?: string; seq?: number }; Body: Readable | undefined }>(
      '/api/runs/:id/ingest',
      {
        schema: {
          params: idParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { end: { type: 'string', enum: ['0', '1'] }, seq: { type: 'integer', minimum: 0, maximum: 2 ** 31 } },
          },
        },
      },
      async (request, reply) => {
        const parts: Uint8Array[] = [];
        if (request.body) for await (const chunk of readBody(request.body, { maxBytes: ctx.config.uploadLimit, idleMs: ctx.config.bodyIdleTimeoutMs })) parts.push(chunk);
        const body = Buffer.concat(parts);
        const run = ctx.runs.get(request.params.id);
        if (!run) {
          // Behind a proxy an agent's frames may reach another instance than the run's: forwarded to it.
          const remote = await remoteRun(ctx, request.params.id);
          if (remote && relayable(remote)) {
            const forwarded = await forwardIngest(remote, request.raw.url ?? '', ctx.config.token, body);
            return reply.code(forwarded.status).type('application/json; charset=utf-8').send(forwarded.body);
          }
        }
        if (!run || !(run.source instanceof IngestSource)) throw notFound(`ingest run ${request.params.id}`);
        const source = run.source;
        const { seq } = request.query;
        // A frame the server already holds (its acknowledgement was lost): acknowledged again, not applied twice.
        if (seq !== undefined && seq < source.received) return { events: source.trace.length, done: source.done, acked: source.received, duplicate: true };
        if (!run.live || source.done) throw new HttpError(409, 'conflict', `run is ${run.state}`);
        if (seq !== undefined && seq > source.received) {
          throw new HttpError(409, 'conflict', `frame ${seq} does not follow the ${source.received} frame(s) received; resend from frame ${source.received}`, { acked: source.received });
        }
        const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        const end = request.query.end === '1';
        try {
          source.ingest(bytes, end);
        } catch (error) {
          if (error instanceof TraceError) {
            if (error.eventIndex !== undefined) throw new HttpError(422, 'invalid_trace', error.message, { index: error.eventIndex });
            throw new HttpError(400, 'malformed_trace', error.message);
          }
          throw error;
        }
        // On disk before the acknowledgement; the journal goes when the run ends (RunManager's onEnd).
        ctx.ingestJournal.append(run.id, bytes);
        run.touch();
        return { events: source.trace.length, done: source.done, acked: source.received };
      },
    );
  });
};
