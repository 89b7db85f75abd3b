// The lock-order graph, as the Linux kernel's lockdep builds it, on any trace (simulated or
// real): an edge A -> B each time a thread acquires B while it holds A, by lock class (the
// default) or by lock. A cycle A -> B -> ... -> A means two code paths take the same locks in
// opposite orders: a deadlock waiting for the wrong interleaving (ABBA).
// - Nodes are lock class names (`by: 'class'`; a lock of class `other` keeps its own name, as
//   lumping unrelated locks together would make cycles that no two locks make) or lock names
//   (`by: 'lock'`).
// - An edge's `count` is the number of acquisitions of B made while A was held; `wait` the ns
//   those acquisitions waited; `first` the first of them (event index, time, thread), and
//   `occurrences` the first `maxOccurrences` (100) of them.
// - Nesting inside one class (one domain's lock taken while another's is held) gives an edge
//   from the class to itself; such self-edges are listed but are not reported as cycles (as
//   lockdep, which needs a nesting annotation to tell them apart).
// - A domain job (a lock of kind `job`) is waited for with a condition wait on its domain
//   object's mutex (qemuDomainObjBeginJob: virCondWait releases the object lock), so taking a
//   domain's job while holding that domain's object lock never blocks holding it: that nesting
//   is not an edge (as lockdep, which does not see condition waits as nesting either).
// - Cycles are the elementary cycles of the graph (at most `maxCycles`, default 100), each
//   starting at its smallest node name, sorted; every cycle lists the first occurrence of each
//   of its edges.
import { EventKind, type Trace } from './model.js';

export type LockOrderBy = 'class' | 'lock';

export interface LockOrderOccurrence {
  /** Index of the lock.acquired event of the inner lock. */
  event: number;
  /** ns */
  t: number;
  thread: number;
  /** Ids of the outer and the inner lock. */
  outer: number;
  inner: number;
}

export interface LockOrderEdge {
  from: string;
  to: string;
  count: number;
  /** ns waited by the acquisitions of `to` made while `from` was held */
  wait: number;
  first: LockOrderOccurrence;
  /** The first occurrences, in order (at most `maxOccurrences`; `count` has them all). */
  occurrences: LockOrderOccurrence[];
}

export interface LockOrderCycle {
  nodes: string[];
  /** The first occurrence of each edge of the cycle: nodes[k] -> nodes[k + 1] (wrapping). */
  occurrences: LockOrderOccurrence[];
}

export interface LockOrderGraph {
  by: LockOrderBy;
  nodes: string[];
  edges: LockOrderEdge[];
  cycles: LockOrderCycle[];
}

export interface LockOrderOptions {
  by?: LockOrderBy;
  maxCycles?: number;
  /** Occurrences kept per edge (default 100). */
  maxOccurrences?: number;
}

/** Builds the lock-order graph of a (valid) trace. */
export function lockOrderGraph(trace: Trace, opts: LockOrderOptions = {}): LockOrderGraph {
  const by = opts.by ?? 'class';
  const maxOccurrences = Math.max(1, opts.maxOccurrences ?? 100);
  // `other` is not a class but the absence of one: its locks stay apart under their own names.
  const nodeOf = (lock: number): string => {
    const l = trace.locks[lock];
    return by === 'class' && l.class !== 'other' ? l.class : l.name;
  };
  const held: number[][] = trace.threads.map(() => []);
  const requested = new Float64Array(trace.threads.length).fill(NaN);
  const edges = new Map<string, LockOrderEdge>();
  const condWait = (outer: number, inner: number): boolean => {
    const o = trace.locks[outer];
    const n = trace.locks[inner];
    return n.kind === 'job' && o.class === 'domain-object' && n.subject !== undefined && o.subject === n.subject;
  };
  const { time, thread, kind, ref } = trace;
  for (let i = 0; i < trace.length; i++) {
    const th = thread[i];
    switch (kind[i]) {
      case EventKind.LockRequest:
        requested[th] = time[i];
        break;
      case EventKind.LockAcquired: {
        const inner = ref[i];
        const wait = Number.isNaN(requested[th]) ? 0 : time[i] - requested[th];
        requested[th] = NaN;
        const to = nodeOf(inner);
        const seen = new Set<string>();
        for (const outer of held[th]) {
          if (outer === inner || condWait(outer, inner)) continue;
          const from = nodeOf(outer);
          const key = `${from}\u0000${to}`;
          // Several held locks of one node count once per acquisition.
          if (seen.has(key)) continue;
          seen.add(key);
          const e = edges.get(key);
          const occurrence = { event: i, t: time[i], thread: th, outer, inner };
          if (e) {
            e.count++;
            e.wait += wait;
            if (e.occurrences.length < maxOccurrences) e.occurrences.push(occurrence);
          } else edges.set(key, { from, to, count: 1, wait, first: occurrence, occurrences: [occurrence] });
        }
        held[th].push(inner);
        break;
      }
      case EventKind.LockReleased: {
        const h = held[th];
        const k = h.lastIndexOf(ref[i]);
        if (k >= 0) h.splice(k, 1);
        break;
      }
      default:
        break;
    }
  }
  const edgeList = [...edges.values()].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to));
  const nodes = [...new Set(edgeList.flatMap((e) => [e.from, e.to]))].sort(cmp);
  const cycles = elementaryCycles(nodes, edgeList, opts.maxCycles ?? 100).map((c) => ({
    nodes: c,
    occurrences: c.map((from, k) => (edges.get(`${from}\u0000${c[(k + 1) % c.length]}`) as LockOrderEdge).first),
  }));
  return { by, nodes, edges: edgeList, cycles };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Elementary cycles of length >= 2 (self-edges excluded), each rotated to start at its smallest
 * node: a depth-first search from each node s over nodes greater than s only, so that each cycle
 * is found once. Stops after `max` cycles.
 */
function elementaryCycles(nodes: string[], edges: LockOrderEdge[], max: number): string[][] {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const adj: number[][] = nodes.map(() => []);
  for (const e of edges) if (e.from !== e.to) adj[index.get(e.from) as number].push(index.get(e.to) as number);
  const comp = components(adj);
  const out: string[][] = [];
  const path: number[] = [];
  const onPath = new Uint8Array(nodes.length);
  // A budget of steps keeps a dense graph of many locks from taking exponential time.
  let budget = 1_000_000;
  const dfs = (s: number, v: number): void => {
    for (const w of adj[v]) {
      if (out.length >= max || --budget < 0) return;
      if (comp[w] !== comp[s]) continue;
      if (w === s) out.push(path.map((p) => nodes[p]));
      else if (w > s && !onPath[w]) {
        onPath[w] = 1;
        path.push(w);
        dfs(s, w);
        path.pop();
        onPath[w] = 0;
      }
    }
  };
  for (let s = 0; s < nodes.length && out.length < max; s++) {
    path.push(s);
    onPath[s] = 1;
    dfs(s, s);
    onPath[s] = 0;
    path.pop();
  }
  return out;
}

/** Strongly connected component of each node (Tarjan, iterative). */
function components(adj: number[][]): Int32Array {
  const n = adj.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const onStack = new Uint8Array(n);
  let counter = 0;
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, k] = top;
      if (k < adj[v].length) {
        top[1]++;
        const w = adj[v][k];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          comp[w] = comps;
        } while (w !== v);
        comps++;
      }
    }
  }
  return comp;
}
