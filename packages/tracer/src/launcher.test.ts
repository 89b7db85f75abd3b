import { describe, expect, it } from 'vitest';
import { EventKind, Mode, validateTrace } from '@lockscope/trace';
import { checkPrerequisites, domainNames, traceWorkload } from './launcher.js';

const pre = checkPrerequisites();
if (!pre.ok) console.warn(`skipping the real libvirtd tests: ${pre.missing.join('; ')}`);

describe('tracing a real libvirtd', () => {
  it('reports what is missing for an untraced check with no library', () => {
    const bogus = checkPrerequisites('/nonexistent/liblockscope-preload.so');
    expect(bogus.ok).toBe(false);
    expect(bogus.missing.some((m) => m.includes('/nonexistent/liblockscope-preload.so'))).toBe(true);
  });

  it.skipIf(!pre.ok)(
    'records 5 concurrent lifecycles: valid, named, one API span per call, nothing left held',
    async () => {
      const domains = 5;
      const r = await traceWorkload({ workload: 'lifecycle', params: { domains } });
      for (const c of r.clients) expect(c.exitCode, `${c.domain}: ${c.output}`).toBe(0);
      expect(r.daemonExit.code).toBe(0);
      const trace = r.trace!;
      const decoder = r.decoder!;
      expect(validateTrace(trace)).toEqual({ ok: true });

      // The domain list, read and written.
      const list = trace.locks.filter((l) => l.class === 'domain-list');
      expect(list).toHaveLength(1);
      const modes = new Set<number>();
      for (let i = 0; i < trace.length; i++) {
        if (trace.kind[i] === EventKind.LockAcquired && trace.ref[i] === list[0].id) modes.add(trace.mode[i]);
      }
      expect([...modes].sort()).toEqual([Mode.Exclusive, Mode.Shared]);

      // Domain objects and jobs by domain name, the security manager.
      const names = domainNames(domains);
      const subjects = (cls: string) => new Set(trace.locks.filter((l) => l.class === cls).map((l) => l.subject));
      for (const name of names) {
        expect(subjects('domain-object').has(name), `domain object ${name}`).toBe(true);
        expect(subjects('domain-job').has(name), `job of ${name}`).toBe(true);
      }
      expect(trace.locks.some((l) => l.class === 'security-manager')).toBe(true);

      // One API span for every call each client made.
      const calls = new Map<string, number>();
      for (const c of decoder.apiCalls) calls.set(`${c.label} ${c.subject ?? ''}`, (calls.get(`${c.label} ${c.subject ?? ''}`) ?? 0) + 1);
      for (const name of names) {
        for (const api of ['virDomainDefineXML', 'virDomainCreate', 'virDomainGetInfo', 'virDomainDestroy', 'virDomainUndefineFlags']) {
          expect(calls.get(`${api} ${name}`), `${api} ${name}`).toBe(1);
        }
      }

      // A clean exit loses nothing: every acquisition released, every span closed.
      expect(decoder.openHolds()).toEqual([]);
      expect(decoder.anomalies.lateRecords).toBe(0);
      // qemu and the helpers libvirtd forks are not traced.
      expect(trace.threads.some((t) => t.name.startsWith('qemu'))).toBe(false);
      expect(trace.threads.some((t) => t.role === 'worker')).toBe(true);
    },
    180_000,
  );
});
