// The dashboard shell: start view when nothing is open, otherwise the timeline with its side
// panels and statistics. Share URLs (/r/:id, /s?...) are honoured on load.

import { useEffect } from 'react';
import { goHome, openRecording, startRunFromLink } from './actions.js';
import { useApp } from './store/app.js';
import { parseRoute } from './url.js';
import { formatNs } from './format.js';
import { TopBar } from './components/TopBar.js';
import { StartPanel } from './components/StartPanel.js';
import { StrategyPanel } from './components/StrategyPanel.js';
import { ComparePanel, DetailsPanel } from './components/SidePanels.js';
import { StatsPanel } from './components/StatsPanel.js';
import { Legend } from './components/Legend.js';
import { Timeline } from './timeline/Timeline.js';
import { SweepView } from './components/SweepView.js';
import { WhatIfPanel } from './components/WhatIfPanel.js';

const route = parseRoute(location.pathname, location.search);
/** The route is acted on once per page load (StrictMode runs effects twice in development). */
let routeHandled = false;

export function App() {
  const source = useApp((s) => s.source);
  const connection = useApp((s) => s.connection);
  const error = useApp((s) => s.error);
  const hasEvents = useApp((s) => s.end > 0);
  const truncated = useApp((s) => s.truncated);
  const problem = useApp((s) => s.problem);
  const sideOpen = useApp((s) => s.sideOpen);

  useEffect(() => {
    if (routeHandled) return;
    routeHandled = true;
    if (route.kind === 'recording') void openRecording(route.id, route.view);
    else if (route.kind === 'sim') {
      const c = route.config;
      void startRunFromLink({ scenario: c.scenario, params: c.params ?? {}, preset: c.preset ?? '', set: c.set ?? {}, seed: c.seed ?? 1 }, route.view);
    } else if (route.kind === 'not-found') {
      useApp.getState().setProblem({ title: 'Page not found', message: `Lockscope has no page at ${route.path}.` });
    }
  }, []);

  const open = source.kind !== 'none';
  return (
    <div className={`app${sideOpen ? '' : ' side-folded'}`}>
      <TopBar />
      {error && (
        <div className="banner error" role="alert" data-testid="error-banner">
          {error}
          <button className="link" onClick={() => useApp.setState({ error: null })} aria-label="dismiss">
            ×
          </button>
        </div>
      )}
      {truncated && (
        <div className="banner warning" role="status" data-testid="truncated-banner">
          Incomplete: the run stopped at the server’s event limit ({truncated.events.toLocaleString()} events, after {formatNs(truncated.simTimeNs)} of its time). The
          figures cover only what ran before; a smaller workload or fewer domains fits in full.
        </div>
      )}
      <div className="body">
        <aside className="side">
          {open ? (
            <>
              <StrategyPanel />
              <ComparePanel />
              <WhatIfPanel />
              <DetailsPanel />
            </>
          ) : (
            <StartPanel initial={route.kind === 'sim' ? route.config : undefined} />
          )}
        </aside>
        <main className="main">
          {problem && (
            <div className="empty problem" role="alert" data-testid="problem-page">
              <h1>{problem.title}</h1>
              <p>{problem.message}</p>
              <button className="primary" onClick={goHome} data-testid="back-to-start">
                Back to the start
              </button>
            </div>
          )}
          {!open && !problem && (
            <div className="empty">
              <h1>Lock contention in libvirtd, thread by thread</h1>
              <p>
                Start a simulated run of libvirt’s QEMU driver (the 2013 report: 20 domains created at once behind one security manager lock), open a
                recording, or drop a trace file. Then change the locking strategy while it runs and watch the waiting go.
              </p>
              {connection === 'connecting' && <p className="muted">Starting the run…</p>}
              <SweepView />
            </div>
          )}
          {open && connection === 'loading' && (
            <div className="empty">
              <p className="muted" role="status">
                Loading the trace…
              </p>
            </div>
          )}
          {open && connection !== 'loading' && (
            <>
              <div className="timeline-wrap">
                {!hasEvents && (
                  <p className="overlay muted" role="status">
                    {connection === 'error' ? 'No events.' : 'Waiting for the first events…'}
                  </p>
                )}
                <Timeline maxLocks={14} />
              </div>
              <Legend />
              <StatsPanel />
            </>
          )}
        </main>
      </div>
    </div>
  );
}
