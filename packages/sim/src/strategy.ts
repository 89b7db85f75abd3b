// Strategies are data: a strategy says which lock a step takes and which code path runs, never a
// different shape of code. Knob names are relied on by URLs, scripts and the UI: keep them.
import type { StrategyChange as LiveChange } from '@lockscope/trace/protocol';
import { COST_PROFILES, type CostProfile } from './costs.js';

export const SECURITY_LOCKS = ['manager', 'driver', 'domain'] as const;
export const SECURITY_DRIVERS = ['apparmor+dac', 'selinux+dac', 'dac', 'none'] as const;
export const LIST_LOOKUPS = ['lock-objects', 'name-copy', 'name-hash'] as const;
export const LIST_LOCKS = ['mutex', 'rwlock'] as const;
export const CODE_PATHS = ['1.0.5', '9.0'] as const;

export interface Strategy {
  /** Which libvirt code path the API calls follow. */
  code: (typeof CODE_PATHS)[number];
  /** Which cost profile durations come from. */
  costs: CostProfile;
  'security.lock': (typeof SECURITY_LOCKS)[number];
  'security.drivers': (typeof SECURITY_DRIVERS)[number];
  'list.lookup': (typeof LIST_LOOKUPS)[number];
  'list.lock': (typeof LIST_LOCKS)[number];
  workers: number;
  prioWorkers: number;
  'host.cpus': number;
  /** Overrides of the cost profile's main assumptions, in ms; 0 keeps the profile's value. */
  'qemu.initMs': number;
  'apparmor.loadMs': number;
  'start.hostMs': number;
}

export type KnobName = keyof Strategy;

export interface KnobInfo {
  name: KnobName;
  description: string;
  values?: string[];
  min?: number;
  max?: number;
  default?: string | number;
}

export interface PresetInfo {
  name: string;
  description: string;
  knobs: Strategy;
}

/** An input that names something unknown or out of bounds; `field` says which input. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LIBVIRT_2013: Strategy = {
  code: '1.0.5',
  costs: 'host-2013',
  'security.lock': 'manager',
  'security.drivers': 'apparmor+dac',
  'list.lookup': 'lock-objects',
  'list.lock': 'mutex',
  workers: 20,
  prioWorkers: 5,
  'host.cpus': 8,
  'qemu.initMs': 0,
  'apparmor.loadMs': 0,
  'start.hostMs': 0,
};

export const knobs: KnobInfo[] = [
  { name: 'code', description: 'libvirt code path the API calls follow: 1.0.5 (2013) or 9.0 (2023)', values: [...CODE_PATHS] },
  {
    name: 'costs',
    description: 'cost profile: host-2013 (KVM host of the 2013 report) or this-machine (TCG QEMU, for comparing with the real daemon here)',
    values: [...COST_PROFILES],
  },
  {
    name: 'security.lock',
    description:
      'scope of the security lock: manager (one lock around every security call of every domain, as libvirt does), ' +
      'driver (pushed down: one lock per security driver), domain (per domain: security work of different domains runs in parallel)',
    values: [...SECURITY_LOCKS],
  },
  {
    name: 'security.drivers',
    description: 'security driver stack: AppArmor or SELinux on top of DAC, DAC alone, or none',
    values: [...SECURITY_DRIVERS],
  },
  {
    name: 'list.lookup',
    description:
      'how the domain list finds a name: lock-objects (scan locking every domain object, 2013), ' +
      'name-copy (scan an immutable copy of each name under the list lock, the 2013 proposal), name-hash (a second hash by name, v1.2.15+)',
    values: [...LIST_LOOKUPS],
  },
  { name: 'list.lock', description: 'the domain list lock: a mutex (2013) or a reader-preferring rwlock (v3.6.0+)', values: [...LIST_LOCKS] },
  { name: 'workers', description: 'RPC worker threads (max_workers)', min: 1, max: 200 },
  { name: 'prioWorkers', description: 'priority RPC workers for Define/Destroy/Undefine/Lookup/ListAll (prio_workers)', min: 0, max: 50 },
  { name: 'host.cpus', description: 'host CPUs shared by CPU-bound phases (apparmor_parser, QEMU start, forks)', min: 1, max: 256 },
  {
    name: 'qemu.initMs',
    description:
      'CPU time QEMU needs before it answers qmp_capabilities, the domain object released, in ms (0: the cost profile\'s value, ' +
      '3500 on host-2013, fitted to the 2013 report; 80 on this-machine)',
    min: 0,
    max: 600000,
  },
  {
    name: 'apparmor.loadMs',
    description: 'CPU time of one AppArmor profile load by virt-aa-helper -c, in ms (0: the cost profile\'s value, 650 on host-2013)',
    min: 0,
    max: 600000,
  },
  {
    name: 'start.hostMs',
    description:
      'host-side start work under the domain object lock before the monitor connect (child hook, cgroups, handshake), in ms ' +
      '(0: the cost profile\'s value, 2000 on host-2013, fitted to the 2013 report)',
    min: 0,
    max: 600000,
  },
];
for (const k of knobs) k.default = LIBVIRT_2013[k.name];

export const presets: PresetInfo[] = [
  {
    name: 'libvirt-2013',
    description: 'libvirt 1.0.5: one security manager lock around all security work, AppArmor + DAC, name lookup locking every domain object under the list mutex',
    knobs: LIBVIRT_2013,
  },
  {
    name: 'feiner-security',
    description: 'the 2013 plan for security: locking pushed into the drivers and made per domain; name lookup still locks each domain object',
    knobs: { ...LIBVIRT_2013, 'security.lock': 'domain' },
  },
  {
    name: 'feiner-name-copy',
    description: 'the 2013 name-copy patch alone: the list scan reads an immutable copy of each name, no domain object lock',
    knobs: { ...LIBVIRT_2013, 'list.lookup': 'name-copy' },
  },
  {
    name: 'feiner-both',
    description: 'both 2013 proposals: per-domain security locking and the immutable name copy',
    knobs: { ...LIBVIRT_2013, 'security.lock': 'domain', 'list.lookup': 'name-copy' },
  },
  {
    name: 'libvirt-9.0',
    description: 'libvirt 9.0 (Debian 12): reader-preferring rwlock on the list, a name hash, the same global security manager lock, 9.x start path (AppArmor reloads per path label and tap fd)',
    knobs: { ...LIBVIRT_2013, code: '9.0', 'list.lookup': 'name-hash', 'list.lock': 'rwlock' },
  },
];

export const DEFAULT_PRESET = 'libvirt-2013';

export function findPreset(name: string, field = 'preset'): PresetInfo {
  const p = presets.find((x) => x.name === name);
  if (!p) throw new ConfigError(field, `unknown preset ${JSON.stringify(name)}; known: ${presets.map((x) => x.name).join(', ')}`);
  return p;
}

/** Parses an integer given as a number or a decimal string (CLI `--set workers=5`). */
export function parseInt32(value: unknown, field: string, min: number, max: number): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) n = Number(value);
  else throw new ConfigError(field, `expected an integer, got ${JSON.stringify(value)}`);
  if (!Number.isInteger(n)) throw new ConfigError(field, `expected an integer, got ${n}`);
  if (n < min || n > max) throw new ConfigError(field, `${n} is out of bounds [${min}, ${max}]`);
  return n;
}

/** Applies knob overrides on top of a strategy; validates every name and value. */
export function applyKnobs(base: Strategy, set: Record<string, unknown>, prefix = 'set'): Strategy {
  const out: Strategy = { ...base };
  const o = out as unknown as Record<string, string | number>;
  for (const [name, value] of Object.entries(set)) {
    const field = `${prefix}.${name}`;
    const k = knobs.find((x) => x.name === name);
    if (!k) throw new ConfigError(field, `unknown knob; known: ${knobs.map((x) => x.name).join(', ')}`);
    if (k.values) {
      if (typeof value !== 'string' || !k.values.includes(value)) {
        throw new ConfigError(field, `expected one of ${k.values.join(' | ')}, got ${JSON.stringify(value)}`);
      }
      o[name] = value;
    } else {
      o[name] = parseInt32(value, field, k.min ?? 0, k.max ?? 2 ** 31 - 1);
    }
  }
  return out;
}

/** The change a live strategy switch describes: a knob map, a preset, or one knob as the stream
 * protocol sends it (`{knob, value}`, @lockscope/trace/protocol). */
export type StrategyChange = Partial<Record<KnobName, string | number>> | { preset: string } | LiveChange;

/** The one place a change is validated and applied: the simulation itself (setStrategy) and the
 * server's sources, which check a viewer's change before handing it to a simulation thread. */
export function applyChange(base: Strategy, change: StrategyChange): { strategy: Strategy; description: string } {
  if (change === null || typeof change !== 'object') throw new ConfigError('strategy', 'expected a knob map or { preset }');
  if ('preset' in change && typeof change.preset === 'string') {
    const p = findPreset(change.preset);
    return { strategy: { ...p.knobs }, description: `preset=${p.name}` };
  }
  const set: Record<string, unknown> =
    'knob' in change && typeof change.knob === 'string' ? { [change.knob]: (change as { value: unknown }).value } : (change as Record<string, unknown>);
  if (Object.keys(set).length === 0) throw new ConfigError('set', 'no knob to change');
  const strategy = applyKnobs(base, set);
  const description = Object.keys(set)
    .map((k) => `${k}=${String((strategy as unknown as Record<string, unknown>)[k])}`)
    .join(' ');
  return { strategy, description };
}
