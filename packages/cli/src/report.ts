// What the commands that run a real libvirtd (trace, compare-model) say on stderr.
import type { ClientResult } from '@lockscope/tracer';

/** One line on stderr, prefixed like every message of the CLI. */
export function say(line: string): void {
  process.stderr.write(`lockscope: ${line}\n`);
}

/** Why this host cannot run a traced daemon: one line per missing prerequisite. */
export function sayMissing(missing: string[]): void {
  say(`cannot trace a real libvirtd here:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
}

/** Names each virsh client that failed, with the first line of its output; returns how many. */
export function sayFailedClients(clients: ClientResult[]): number {
  const failed = clients.filter((c) => c.exitCode !== 0);
  for (const c of failed) say(`virsh for ${c.domain} failed: ${c.output.trim().split('\n')[0]}`);
  return failed.length;
}
