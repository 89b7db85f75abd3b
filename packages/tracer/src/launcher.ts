// Runs a workload on a real, unprivileged, session-mode libvirtd with the preload library, and
// decodes what it recorded. Installs nothing: `checkPrerequisites()` says what is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Trace } from '@lockscope/trace';
import { TraceDecoder, type DecoderOptions } from './decoder.js';
import { TraceFollower } from './follow.js';

/** Where `pnpm --filter @lockscope/tracer build` puts the compiled library. */
export const DEFAULT_LIBRARY = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'liblockscope-preload.so');

/** Workloads a real daemon can run (the simulator's names and parameters). */
export const TRACED_WORKLOADS = ['lifecycle', 'create-storm', 'define-during-storm'] as const;
export type TracedWorkload = (typeof TRACED_WORKLOADS)[number];

/** The traced workloads' parameters: default and accepted range (probeIntervalMs: define-during-storm only). */
export const TRACED_PARAMS = {
  domains: { default: 10, min: 1, max: 200 },
  probeIntervalMs: { default: 500, min: 10, max: 60000 },
} as const;

export interface Prerequisites {
  ok: boolean;
  /** One line per missing piece, saying how to get it. */
  missing: string[];
  libvirtd?: string;
  virsh?: string;
  qemu?: string;
  setpriv?: string;
  library?: string;
}

function which(cmd: string, extra: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extra];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const SBIN = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** What tracing a real libvirtd needs on this host; `library: null` checks for an untraced run. */
export function checkPrerequisites(library: string | null = DEFAULT_LIBRARY): Prerequisites {
  const missing: string[] = [];
  const libvirtd = which('libvirtd', SBIN);
  const virsh = which('virsh');
  const qemu = which('qemu-system-x86_64');
  const isRoot = process.getuid?.() === 0;
  const setpriv = isRoot ? which('setpriv', SBIN) : undefined;
  if (!libvirtd) missing.push('libvirtd not found (Debian/Ubuntu: apt-get install -y libvirt-daemon libvirt-daemon-driver-qemu)');
  if (!virsh) missing.push('virsh not found (apt-get install -y libvirt-clients)');
  if (!qemu) missing.push('qemu-system-x86_64 not found (apt-get install -y qemu-system-x86)');
  if (isRoot && !setpriv) missing.push('setpriv not found: needed to run libvirtd unprivileged when Lockscope runs as root (apt-get install -y util-linux)');
  if (library !== null && !existsSync(library)) {
    missing.push(`preload library ${library} not built (install gcc libc6-dev, then: pnpm --filter @lockscope/tracer build)`);
  }
  const out: Prerequisites = { ok: missing.length === 0, missing };
  if (libvirtd) out.libvirtd = libvirtd;
  if (virsh) out.virsh = virsh;
  if (qemu) out.qemu = qemu;
  if (setpriv) out.setpriv = setpriv;
  if (library !== null && existsSync(library)) out.library = library;
  return out;
}

export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
  constructor(readonly missing: string[]) {
    super(`cannot trace a real libvirtd here: ${missing.join('; ')}`);
  }
}

export interface TraceRunOptions {
  workload: TracedWorkload;
  /** Workload parameters, as for the simulator: `domains`; `probeIntervalMs` for define-during-storm. */
  params?: Record<string, number>;
  /** The preload library; `null` runs the daemon without it (a baseline for overhead). */
  library?: string | null;
  /** Unprivileged uid/gid for libvirtd and virsh when Lockscope runs as root. Default 65534. */
  uid?: number;
  /** Keep the temporary folder (daemon log, raw recording) instead of removing it. */
  keep?: boolean;
  /** How often the recording is decoded while the workload runs (ms). Default 200. */
  pollMs?: number;
  /** Called after each decode with the events added (for live streaming). */
  onEvents?: (trace: Trace, added: number) => void;
  /** Progress lines for humans. */
  log?: (line: string) => void;
  decoder?: DecoderOptions;
  /** Decode into this decoder (a live consumer can hold its trace from the start). */
  into?: TraceDecoder;
  /** Aborting stops the workload's clients and then the daemon; the trace so far is kept. */
  signal?: AbortSignal;
  /** Give up on the workload after this long (ms). Default 300000. */
  timeoutMs?: number;
}

export interface ClientResult {
  domain: string;
  /** The virsh commands this client ran, in order. */
  commands: string[];
  exitCode: number;
  output: string;
  wallMs: number;
}

export interface TraceRunResult {
  /** The decoded trace; null for an untraced run. */
  trace: Trace | null;
  decoder: TraceDecoder | null;
  clients: ClientResult[];
  /** libvirtd's CPU time (user + system, all threads) from its start to the end of the workload. */
  daemonCpuMs: number;
  /** libvirtd's CPU time spent during the workload alone (after start-up and the capability probe). */
  workloadCpuMs: number;
  /** Wall time of the workload alone (after the daemon was up and warm). */
  workloadMs: number;
  /** The daemon's exit: code or signal. */
  daemonExit: { code: number | null; signal: string | null };
  /** Temporary folder (removed unless `keep`). */
  dir: string;
}

function domainXml(name: string, qemu: string): string {
  // The smallest domain that starts under TCG: no disk, no NIC, no graphics, one pty serial.
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>${qemu}</emulator>
    <serial type='pty'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

export function domainNames(n: number): string[] {
  const width = Math.max(2, String(n).length);
  return Array.from({ length: n }, (_, i) => `vm-${String(i + 1).padStart(width, '0')}`);
}

/** The virsh commands each domain's client runs, per workload (the simulator's scenarios). */
export function workloadCommands(workload: TracedWorkload, name: string, xmlPath: string): string[] {
  switch (workload) {
    case 'lifecycle':
      return [`define ${xmlPath}`, `start ${name}`, `dominfo ${name}`, `destroy ${name}`, `undefine ${name}`];
    case 'create-storm':
    case 'define-during-storm':
      // The 2013 report's test: define, then start (virDomainCreate); the domains are destroyed
      // and undefined after the workload's end mark.
      return [`define ${xmlPath}`, `start ${name}`];
  }
}

/** Commands run after the workload's end mark so that nothing is left running or defined. */
export function cleanupCommands(workload: TracedWorkload, names: string[], probes: string[]): string[] {
  switch (workload) {
    case 'lifecycle':
      return [];
    case 'create-storm':
    case 'define-during-storm':
      return [...names.map((n) => `destroy ${n}`), ...names.map((n) => `undefine ${n}`), ...probes.map((p) => `undefine ${p}`)];
  }
}

function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name); clock ticks.
    const ticks = Number(fields[11]) + Number(fields[12]);
    const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    return (ticks * 1000) / hz;
  } catch {
    return NaN;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Kills qemu processes the session daemon left behind (a failed workload), by their pid files. */
function killLeftovers(dir: string): void {
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    let entries: string[] = [];
    try {
      entries = readdirSync(d);
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(d, e);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) stack.push(p);
      else if (e.endsWith('.pid') && e !== 'libvirtd.pid') {
        const pid = Number(readFileSync(p, 'utf8').trim());
        if (!Number.isInteger(pid) || pid <= 1) continue;
        try {
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu')) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
}

/**
 * Starts a session-mode libvirtd (unprivileged, in a temporary folder, with the preload library
 * unless `library: null`), waits for its socket, warms its capability cache, runs the workload
 * with concurrent virsh clients, stops the daemon with SIGTERM and decodes the recording.
 */
export async function traceWorkload(options: TraceRunOptions): Promise<TraceRunResult> {
  const library = options.library === undefined ? DEFAULT_LIBRARY : options.library;
  const pre = checkPrerequisites(library);
  if (!pre.ok) throw new PrerequisiteError(pre.missing);
  const log = options.log ?? (() => {});
  const { domains: domainsRange, probeIntervalMs: probeRange } = TRACED_PARAMS;
  const domains = options.params?.domains ?? domainsRange.default;
  if (!Number.isInteger(domains) || domains < domainsRange.min || domains > domainsRange.max) {
    throw new RangeError(`params.domains must be an integer from ${domainsRange.min} to ${domainsRange.max}, got ${domains}`);
  }
  const probeMs = options.params?.probeIntervalMs;
  if (probeMs !== undefined && (!Number.isInteger(probeMs) || probeMs < probeRange.min || probeMs > probeRange.max)) {
    throw new RangeError(`params.probeIntervalMs must be an integer from ${probeRange.min} to ${probeRange.max}, got ${probeMs}`);
  }
  const isRoot = process.getuid?.() === 0;
  const uid = options.uid ?? 65534;
  const pollMs = options.pollMs ?? 200;

  const dir = mkdtempSync(join(tmpdir(), 'lockscope-trace-'));
  chmodSync(dir, 0o755);
  const paths = {
    home: join(dir, 'home'),
    config: join(dir, 'config'),
    runtime: join(dir, 'runtime'),
    cache: join(dir, 'cache'),
    data: join(dir, 'data'),
    xml: join(dir, 'xml'),
  };
  for (const p of Object.values(paths)) mkdirSync(p, { recursive: true });
  mkdirSync(join(paths.config, 'libvirt'), { recursive: true });
  // stdio_handler=file: qemu's output goes to a file instead of virtlogd (not running here).
  writeFileSync(join(paths.config, 'libvirt', 'qemu.conf'), 'stdio_handler = "file"\n');
  const names = domainNames(domains);
  for (const name of names) writeFileSync(join(paths.xml, `${name}.xml`), domainXml(name, pre.qemu as string));
  let libCopy: string | null = null;
  if (library !== null) {
    // A copy the unprivileged daemon can surely read.
    libCopy = join(dir, 'liblockscope-preload.so');
    copyFileSync(library, libCopy);
    chmodSync(libCopy, 0o755);
  }
  const tracePrefix = join(dir, 'trace');
  if (isRoot) {
    const own = (p: string): void => {
      chownSync(p, uid, uid);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) own(join(p, e));
    };
    own(dir);
  }
  chmodSync(paths.runtime, 0o700);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: paths.home,
    XDG_CONFIG_HOME: paths.config,
    XDG_RUNTIME_DIR: paths.runtime,
    XDG_CACHE_HOME: paths.cache,
    XDG_DATA_HOME: paths.data,
    LANG: 'C',
  };
  const asUser = (cmd: string, args: string[]): [string, string[]] =>
    isRoot ? [pre.setpriv as string, [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', cmd, ...args]] : [cmd, args];

  const daemonEnv: NodeJS.ProcessEnv = { ...env };
  if (libCopy) {
    daemonEnv.LD_PRELOAD = libCopy;
    daemonEnv.LOCKSCOPE_TRACE_OUT = tracePrefix;
  }
  const [dcmd, dargs] = asUser(pre.libvirtd as string, ['--timeout', '600']);
  const daemonLog: Buffer[] = [];
  const daemon = spawn(dcmd, dargs, { env: daemonEnv, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  daemon.stdout?.on('data', (b: Buffer) => daemonLog.push(b));
  daemon.stderr?.on('data', (b: Buffer) => daemonLog.push(b));
  const daemonExit: { code: number | null; signal: string | null } = { code: null, signal: null };
  daemon.on('error', (err) => daemonLog.push(Buffer.from(`cannot start libvirtd: ${err.message}\n`)));
  daemon.on('exit', (code, signal) => {
    daemonExit.code = code;
    daemonExit.signal = signal;
  });
  const uri = `qemu:///session?socket=${join(paths.runtime, 'libvirt', 'libvirt-sock')}`;
  const follower = libCopy ? new TraceFollower(tracePrefix, options.into ?? new TraceDecoder(options.decoder)) : null;
  const children = new Set<ChildProcess>();
  const onAbort = (): void => {
    for (const c of children) c.kill('SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort);
  let pollTimer: NodeJS.Timeout | null = null;
  let decodeError: Error | null = null;
  const pollOnce = (final = false): void => {
    if (!follower || decodeError) return;
    try {
      const added = follower.poll(final);
      if (added > 0) options.onEvents?.(follower.decoder.trace, added);
    } catch (err) {
      // A recording that cannot be decoded: stop reading it, say so once the daemon is down.
      decodeError = err instanceof Error ? err : new Error(String(err));
    }
  };

  const virsh = (commands: string[]): Promise<{ code: number; output: string; ms: number }> =>
    new Promise((resolve) => {
      const started = performance.now();
      const [cmd, args] = asUser(pre.virsh as string, ['-q', '-c', uri, commands.join('; ')]);
      const child = spawn(cmd, args, { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.on('exit', () => children.delete(child));
      const out: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => out.push(b));
      child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(out).toString('utf8'), ms: performance.now() - started }));
      child.on('error', (err) => resolve({ code: 127, output: String(err), ms: performance.now() - started }));
    });

  const stopDaemon = async (): Promise<void> => {
    if (daemon.exitCode !== null || daemon.signalCode !== null) return;
    daemon.kill('SIGTERM');
    if (!(await waitExit(daemon, 15000))) {
      log('libvirtd did not stop within 15 s of SIGTERM: killing it (its last buffered events are lost)');
      daemon.kill('SIGKILL');
      await waitExit(daemon, 5000);
    }
  };

  try {
    const socket = join(paths.runtime, 'libvirt', 'libvirt-sock');
    const deadline = Date.now() + 20000;
    while (!existsSync(socket)) {
      if (daemon.exitCode !== null || daemon.signalCode !== null) {
        throw new Error(`libvirtd exited before listening (code ${daemon.exitCode}, signal ${daemon.signalCode}): ${Buffer.concat(daemonLog).toString('utf8').trim().split('\n').slice(-3).join(' | ')}`);
      }
      if (Date.now() > deadline) throw new Error('libvirtd did not create its socket within 20 s');
      await sleep(50);
    }
    log(`libvirtd ${daemon.pid} is up (${uri})`);
    // The first connection probes qemu's capabilities (seconds, once): keep it out of the workload.
    if (options.signal?.aborted) throw new Error('aborted before the workload started');
    const warm = await virsh(['version']);
    if (warm.code !== 0) throw new Error(`virsh version failed: ${warm.output.trim().split('\n')[0]}`);
    log(`capabilities probed in ${Math.round(warm.ms)} ms`);
    pollTimer = setInterval(() => pollOnce(), pollMs);

    const cpuBefore = cpuMsOf(daemon.pid as number);
    const startNs = process.hrtime.bigint();
    follower?.decoder.mark(startNs, `workload ${options.workload} start`);
    const started = performance.now();
    log(`running ${options.workload} on ${domains} domain(s)`);
    const timeoutMs = options.timeoutMs ?? 300000;
    let stormLeft = names.length;
    const domainClients = names.map(async (name): Promise<ClientResult> => {
      const commands = workloadCommands(options.workload, name, join(paths.xml, `${name}.xml`));
      const r = await virsh(commands);
      stormLeft--;
      return { domain: name, commands, exitCode: r.code, output: r.output, wallMs: r.ms };
    });
    // define-during-storm: one more client defines a new domain every probeIntervalMs while the
    // creations are in flight (the 2013 report's DefineXML probes).
    const probes: string[] = [];
    const probeClient = async (): Promise<ClientResult[]> => {
      if (options.workload !== 'define-during-storm') return [];
      const interval = options.params?.probeIntervalMs ?? TRACED_PARAMS.probeIntervalMs.default;
      const out: ClientResult[] = [];
      while (stormLeft > 0 && !options.signal?.aborted) {
        await sleep(interval);
        if (stormLeft === 0) break;
        const probe = `probe-${String(probes.length + 1).padStart(3, '0')}`;
        const xml = join(paths.xml, `${probe}.xml`);
        writeFileSync(xml, domainXml(probe, pre.qemu as string));
        if (isRoot) chownSync(xml, uid, uid);
        probes.push(probe);
        const commands = [`define ${xml}`];
        const r = await virsh(commands);
        out.push({ domain: probe, commands, exitCode: r.code, output: r.output, wallMs: r.ms });
      }
      return out;
    };
    const clientRuns = Promise.all([Promise.all(domainClients), probeClient()]).then(([a, b]) => [...a, ...b]);
    let timeout: NodeJS.Timeout | undefined;
    const clients = await Promise.race([
      clientRuns,
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new Error(`the workload did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timeout));
    const workloadMs = performance.now() - started;
    follower?.decoder.mark(process.hrtime.bigint(), `workload ${options.workload} end`);
    const daemonCpuMs = cpuMsOf(daemon.pid as number);
    const cleanup = cleanupCommands(options.workload, names, probes);
    if (cleanup.length > 0) {
      const r = await virsh(cleanup);
      if (r.code !== 0) log(`clean-up after the workload failed: ${r.output.trim().split('\n')[0]}`);
    }
    log(`workload done in ${Math.round(workloadMs)} ms; stopping libvirtd`);
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
    await stopDaemon();
    pollOnce(true);
    if (decodeError) throw new Error(`the recording in ${tracePrefix}.events could not be decoded (keep the folder with --keep to look at it): ${(decodeError as Error).message}`);
    return {
      trace: follower ? follower.decoder.trace : null,
      decoder: follower ? follower.decoder : null,
      clients,
      daemonCpuMs,
      workloadCpuMs: daemonCpuMs - cpuBefore,
      workloadMs,
      daemonExit,
      dir,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (pollTimer) clearInterval(pollTimer);
    await stopDaemon();
    killLeftovers(dir);
    follower?.close();
    writeFileSync(join(dir, 'libvirtd.log'), Buffer.concat(daemonLog));
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
