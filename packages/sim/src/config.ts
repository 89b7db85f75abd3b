// resolveConfig: turns user input (CLI flags, URL parameters, a JSON body) into a complete,
// validated SimConfig. Every unknown name or out-of-bounds value is a ConfigError naming the input.
import { applyKnobs, ConfigError, DEFAULT_PRESET, findPreset, parseInt32, type Strategy } from './strategy.js';
import { scenarios } from './workloads.js';

export interface SimConfig {
  scenario: string;
  /** Every parameter of the scenario, defaults filled in. */
  params: Record<string, number>;
  /** The preset the strategy started from. */
  preset: string;
  /** The full strategy: the preset with `set` applied. */
  strategy: Strategy;
  seed: number;
}

export interface ConfigInput {
  scenario: string;
  params?: Record<string, number | string>;
  preset?: string;
  set?: Record<string, string | number>;
  seed?: number | string;
}

export const DEFAULT_SEED = 1;

export function resolveConfig(input: ConfigInput): SimConfig {
  if (input === null || typeof input !== 'object') throw new ConfigError('scenario', 'expected a configuration object');
  const info = scenarios.find((s) => s.name === input.scenario);
  if (!info) {
    throw new ConfigError('scenario', `unknown scenario ${JSON.stringify(input.scenario)}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  }
  const given = input.params ?? {};
  if (typeof given !== 'object') throw new ConfigError('params', 'expected an object of parameters');
  for (const name of Object.keys(given)) {
    if (!info.params.some((p) => p.name === name)) {
      throw new ConfigError(`params.${name}`, `unknown parameter of ${info.name}; known: ${info.params.map((p) => p.name).join(', ')}`);
    }
  }
  const params: Record<string, number> = {};
  for (const p of info.params) {
    const v = given[p.name];
    params[p.name] = v === undefined ? p.default : parseInt32(v, `params.${p.name}`, p.min, p.max);
  }
  const preset = findPreset(input.preset ?? DEFAULT_PRESET);
  const set = input.set ?? {};
  if (typeof set !== 'object') throw new ConfigError('set', 'expected an object of knob values');
  const strategy = applyKnobs(preset.knobs, set);
  const seed = input.seed === undefined ? DEFAULT_SEED : parseInt32(input.seed, 'seed', 0, 2 ** 32 - 1);
  return { scenario: info.name, params, preset: preset.name, strategy, seed };
}
