import { describe, expect, it } from 'vitest';
import { Trace, validateTrace } from '@lockscope/trace';
import { Rng } from '@lockscope/trace';
import { COST_TABLES, Costs } from './costs.js';
import { Engine, work, type Gen } from './engine.js';
import { call, MAX_CLIENT_REQUESTS, RpcPool, type CallRequest } from './rpc-pool.js';

const MS = 1e6;

function setup(cpus = 1): { trace: Trace; engine: Engine } {
  const trace = new Trace();
  return { trace, engine: new Engine(trace, cpus) };
}

/** Costs with free RPC decoding and replies, so that a call lasts exactly its own work. */
function noRpcCosts(): Costs {
  const costs = new Costs(COST_TABLES['host-2013'], new Rng(1));
  costs.overrides = { rpcDispatch: 0, rpcReply: 0 };
  return costs;
}

function runAll(engine: Engine): void {
  while (engine.step());
}

describe('RPC worker pool', () => {
  function req(api: string, prio: boolean, ms: number): CallRequest {
    return {
      api,
      subject: undefined,
      prio,
      connection: null,
      client: null,
      result: 0,
      queued: false,
      run: function* (): Gen<number> {
        yield work(ms * MS, 'serve');
        return 1;
      },
    };
  }

  it('queues calls when every worker is busy, visibly, and lets priority calls use priority workers', () => {
    const { trace, engine } = setup();
    const pool = new RpcPool(engine, noRpcCosts());
    pool.addWorker('worker-1', false);
    pool.addWorker('prio-1', true);
    const done: Record<string, number> = {};
    const client = (name: string, api: string, prio: boolean): void => {
      engine.spawn(trace.addThread(name, 'client'), (function* (): Gen {
        const r = yield call(req(api, prio, 10));
        expect(r).toBe(1);
        done[name] = engine.now / MS;
      })());
    };
    client('c1', 'virDomainCreateXML', false); // takes worker-1
    client('c2', 'virDomainCreateXML', false); // queues: the prio worker does not take it
    client('c3', 'virDomainDefineXML', true); // runs on the prio worker
    runAll(engine);
    expect(done).toEqual({ c1: 10, c3: 10, c2: 20 });
    expect(validateTrace(trace)).toEqual({ ok: true });
    const queueSpans = [...trace.events()].filter((e) => e.kind === 'span.begin' && e.spanKind === 'queue');
    expect(queueSpans).toHaveLength(1);
    expect(queueSpans[0]).toMatchObject({ thread: 3, label: 'virDomainCreateXML' });
  });

  it('reads at most max_client_requests calls of one connection at a time; the rest wait on the client side', () => {
    const { trace, engine } = setup(8);
    const pool = new RpcPool(engine, noRpcCosts());
    for (let i = 1; i <= 20; i++) pool.addWorker(`worker-${i}`, false);
    const shared = pool.newConnection('nova-compute');
    const done: number[] = [];
    for (let i = 0; i < 2 * MAX_CLIENT_REQUESTS; i++) {
      engine.spawn(trace.addThread(`greenthread-${i}`, 'client'), (function* (): Gen {
        yield call(req('virDomainCreateWithFlags', false, 10), shared);
        done.push(engine.now / MS);
      })());
    }
    runAll(engine);
    // Ten calls of 10 ms on twenty idle workers: five at a time over one connection.
    expect(done).toEqual([...Array(5).fill(10), ...Array(5).fill(20)]);
    expect(shared.inFlight).toBe(0);
    expect(validateTrace(trace)).toEqual({ ok: true });
  });

  it('runs calls of separate connections side by side', () => {
    const { trace, engine } = setup(8);
    const pool = new RpcPool(engine, noRpcCosts());
    for (let i = 1; i <= 20; i++) pool.addWorker(`worker-${i}`, false);
    const done: number[] = [];
    for (let i = 0; i < 10; i++) {
      engine.spawn(trace.addThread(`client-${i}`, 'client'), (function* (): Gen {
        yield call(req('virDomainCreateWithFlags', false, 10), pool.newConnection(`c${i}`));
        done.push(engine.now / MS);
      })());
    }
    runAll(engine);
    expect(done).toEqual(Array(10).fill(10));
  });
});
