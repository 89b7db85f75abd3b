// The analysis views in Chromium against the real server: the lock-order graph jumps to an
// occurrence on the timeline, and a sweep chart's point opens its own timeline.

import { describe, expect, it } from 'vitest';
import { Trace, computeStats, encodeTrace } from '@lockscope/trace';
import { syntheticTrace } from '../src/derived/synthetic.js';
import { createSimulation, resolveConfig } from '@lockscope/sim';
import { screenshot, serverAndBrowser, skipReason, waitForDrawn } from './harness.js';

const reason = skipReason();
if (reason) console.warn(`browser tests skipped: ${reason}`);

/** Two workers that take the security manager and the domain list in opposite orders: worker-a
 * twice (at 0 and 1 s), worker-b once, at 5 s. */
function abbaTrace(): Trace {
  const t = new Trace();
  const a = t.addThread('worker-a', 'worker');
  const b = t.addThread('worker-b', 'worker');
  const sm = t.addLock({ name: 'security manager', class: 'security-manager', kind: 'mutex' });
  const dl = t.addLock({ name: 'domain list', class: 'domain-list', kind: 'mutex' });
  const nest = (at: number, th: number, name: string, outer: number, inner: number): void => {
    t.beginSpan(at, th, 'api', name, 'vm-1');
    t.request(at + 1e6, th, outer);
    t.acquired(at + 1e6, th, outer);
    t.request(at + 2e6, th, inner);
    t.acquired(at + 3e6, th, inner);
    t.released(at + 9e6, th, inner);
    t.released(at + 10e6, th, outer);
    t.endSpan(at + 11e6, th);
  };
  nest(0, a, 'virDomainCreateXML', sm, dl);
  nest(1e9, a, 'virDomainCreateXML', sm, dl);
  nest(5e9, b, 'virDomainDefineXML', dl, sm);
  return t;
}

describe.skipIf(reason !== null)('analysis views in Chromium', () => {
  const ctx = serverAndBrowser();

  it('the lock-order graph shows the ABBA cycle and jumps to its occurrences on the timeline', async () => {
    const { server, browser } = ctx;
    const res = await fetch(`${server.url}/api/recordings?title=abba`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Blob([encodeTrace(abbaTrace()) as BlobPart]),
    });
    expect(res.status).toBe(201);
    const rec = (await res.json()) as { url: string };
    const { page } = browser;
    await page.goto(`${server.url}${rec.url}`);
    await waitForDrawn(page, { drawnThreadLanes: 2 });
    await page.click('role=tab[name="Lock order"]');
    await page.waitForSelector('[data-testid="lock-order-edge"]');
    expect(await page.locator('[data-testid="lock-order-edge"]').count()).toBe(2);
    expect(await page.textContent('[data-testid="lock-order"]')).toMatch(/1 cycle\(s\): inversion risk/);
    await screenshot(page, 'lock-order-graph');
    const axisBefore = await page.textContent('svg.axis');

    // The second step of the cycle: security-manager -> domain-list, first taken by worker-a at 3 ms.
    await page.locator('[data-testid="lock-order-cycle-step"]', { hasText: 'security-manager → domain-list' }).click();
    await page.waitForSelector('[data-testid="details"]');
    let details = await page.textContent('[data-testid="details"]');
    expect(details).toContain('domain list');
    expect(details).toContain('worker-a');
    expect(await page.textContent('[data-testid="lock-order-shown"]')).toMatch(/occurrence 1 of 2, at 3\.00 ms on worker-a/);
    // again: the next occurrence, 1 s later
    await page.locator('[data-testid="lock-order-cycle-step"]', { hasText: 'security-manager → domain-list' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lock-order-shown"]')?.textContent?.includes('occurrence 2 of 2'));
    expect(await page.textContent('[data-testid="lock-order-shown"]')).toMatch(/at 1\.00 s on worker-a/);
    details = await page.textContent('[data-testid="details"]');
    expect(details).toMatch(/start\s*1\.00 s/);

    // Clicking the other edge in the graph selects the nesting 5 s later, on worker-b.
    // (an edge is a curve: its box's centre, where a plain click lands, is not on the stroke)
    await page.locator('[data-testid="lock-order-edge"][data-from="domain-list"][data-to="security-manager"]').dispatchEvent('click');
    await page.waitForFunction(() => document.querySelector('[data-testid="details"]')?.textContent?.includes('worker-b'));
    details = await page.textContent('[data-testid="details"]');
    expect(details).toContain('security manager');
    // the timeline moved to it: the axis reads other times
    expect(await page.textContent('svg.axis')).not.toBe(axisBefore);
    await screenshot(page, 'lock-order-jumped');
  }, 90_000);

  it('runs a sweep as a server job, draws it, and a point opens its own timeline', async () => {
    const { server, browser } = ctx;
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-testid="sweep"] input[name="sweep-preset"]');
    await page.fill('input[name="sweep-values"]', '2,4');
    await page.click('[data-testid="sweep"] button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sweep-point"]').length === 4, undefined, { timeout: 60_000 });
    await screenshot(page, 'sweep-chart');
    const lines = await page.locator('[data-testid="sweep-chart"] g[data-preset]').count();
    expect(lines).toBe(2);
    // The p95 of one API call can be drawn instead of the makespan.
    await page.selectOption('select[name="sweep-metric"]', { index: 1 });
    expect(await page.locator('[data-testid="sweep-point"]').count()).toBe(4);

    await page.click('[data-testid="sweep-point"][data-preset="libvirt-2013"][data-x="4"]');
    await page.waitForURL(/\/s\?scenario=create-storm&preset=libvirt-2013&param\.domains=4&seed=1/);
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnHolds: 1 });
    // the 2013 storm waits on the security manager: that waiting is avoidable with per-domain locks
    await page.waitForSelector('[data-testid="wait-avoidable"]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid="wait-avoidable"]')).toMatch(/avoidable \d/);
    await screenshot(page, 'sweep-point-timeline');
  }, 120_000);

  it('counts a big recording’s statistics in a worker, and shows the figures the trace gives', async () => {
    const { server, browser } = ctx;
    // Over a million events: loaded at once, its statistics are counted off the page's thread.
    const trace = syntheticTrace({ intervals: 700_000, threads: 8, locks: 6, seed: 5 });
    expect(trace.length).toBeGreaterThan(1_000_000);
    const res = await fetch(`${server.url}/api/recordings?title=big`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Blob([encodeTrace(trace) as BlobPart]),
    });
    expect(res.status).toBe(201);
    const { page } = browser;
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(r.url()));
    await page.goto(`${server.url}${((await res.json()) as { url: string }).url}`);
    await waitForDrawn(page, { drawnThreadLanes: 8 });
    await page.waitForSelector('[data-testid="stats"]', { timeout: 60_000 });
    // Each lock class's acquisitions as the trace package counts them.
    const rows = await page.$$eval('[data-testid="stats"] tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    const expected = computeStats(trace).classes.filter((c) => c.acquisitions > 0);
    expect(expected.length).toBeGreaterThan(2);
    for (const c of expected) expect(rows.find((r) => r[0].includes(c.class))?.[1], c.class).toBe(c.acquisitions.toLocaleString('en-US'));
    // The page started the statistics worker (its script fetched).
    expect(fetched.some((u) => /trace\.worker/.test(u))).toBe(true);
    // The page is cross-origin isolated (the server sends COOP and COEP): the recording was decoded
    // onto shared memory, which the worker indexes in place instead of a copy.
    expect(await page.evaluate(() => crossOriginIsolated && typeof SharedArrayBuffer === 'function')).toBe(true);
    // Lock lanes and API-call rows come from the worker's half of the index (a trace this big is
    // indexed on both cores): drawn, with their queues.
    const strip = await page.$eval('[data-testid="timeline-strip"]', (c) => ({ ...(c as HTMLCanvasElement).dataset }));
    expect(Number(strip.drawnLockLanes)).toBeGreaterThan(0);
    expect(strip.drawnQueuedLockLanes).toBe(strip.drawnLockLanes);
    const lanes = await page.$eval('[data-testid="timeline-canvas"]', (c) => ({ ...(c as HTMLCanvasElement).dataset }));
    expect(Number(lanes.drawnSpans)).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  }, 180_000);

  it('replays an uploaded trace under another strategy and shows it as a compare', async () => {
    const { server, browser } = ctx;
    const sim = createSimulation(resolveConfig({ scenario: 'create-storm', preset: 'libvirt-2013', params: { domains: 6 }, seed: 4 }));
    sim.runToEnd();
    const res = await fetch(`${server.url}/api/recordings?title=storm`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Blob([encodeTrace(sim.trace) as BlobPart]),
    });
    expect(res.status).toBe(201);
    const { page } = browser;
    await page.goto(`${server.url}${((await res.json()) as { url: string }).url}`);
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnHolds: 1 });
    await page.waitForSelector('[data-testid="whatif"] select option[value="feiner-both"]', { state: 'attached' });
    await page.selectOption('[data-testid="whatif"] select', 'feiner-both');
    await page.click('[data-testid="whatif-start"]');
    await page.click('role=tab[name="Compare"]');
    await page.waitForSelector('[data-testid="table-compare"]');
    const text = await page.textContent('[data-testid="stats"]');
    expect(text).toContain('feiner-both');
    expect(text).toMatch(/Makespan [\d.]+ \w+ → [\d.]+ \w+/);
    // the replay is drawn below the trace, on the same time axis
    await page.waitForFunction(() => Number((document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement).dataset.compareTop) > 0);
    await screenshot(page, 'whatif-compare');
  }, 90_000);
});
