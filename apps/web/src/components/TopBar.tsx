// Title, what is open, connection state, follow-live, search, share and downloads.

import { useState } from 'react';
import { recordRun, recordingDownloadUrl } from '../api/client.js';
import { goHome, rerunUrl, shareUrl } from '../actions.js';
import { useApp } from '../store/app.js';
import { formatNs } from '../format.js';

const CONNECTION_TEXT: Record<string, string> = {
  idle: '',
  loading: 'loading…',
  connecting: 'connecting…',
  live: 'live',
  paused: 'paused',
  done: 'complete',
  error: 'error',
};

/** How many intervals match the search (what the timeline outlines), and which one is current. */
function SearchCount() {
  const n = useApp((s) => s.searchMatches);
  const cursor = useApp((s) => s.matchCursor);
  return (
    <span className="small muted search-count" data-testid="search-count">
      {cursor >= 0 ? `${(cursor + 1).toLocaleString()} of ` : ''}
      {n.toLocaleString()} matches
      <button className="link" title="previous match (Shift+Enter)" aria-label="previous match" disabled={n === 0} onClick={() => useApp.getState().stepMatch(-1)}>
        ▲
      </button>
      <button className="link" title="next match (Enter)" aria-label="next match" disabled={n === 0} onClick={() => useApp.getState().stepMatch(1)}>
        ▼
      </button>
    </span>
  );
}

export function TopBar() {
  const source = useApp((s) => s.source);
  const connection = useApp((s) => s.connection);
  const status = useApp((s) => s.status);
  const truncated = useApp((s) => s.truncated);
  const follow = useApp((s) => s.follow);
  const search = useApp((s) => s.search);
  const showIdle = useApp((s) => s.lanes.showIdle);
  const sideOpen = useApp((s) => s.sideOpen);
  const [shared, setShared] = useState<string | null>(null);
  const [shareError, setShareError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const title =
    source.kind === 'live' && source.traced
      ? `libvirtd (traced) · ${source.traced.workload} · ${source.traced.domains} domains`
      : source.kind === 'live'
        ? `${source.config.scenario} · ${source.config.preset || 'default'} · seed ${source.config.seed}`
        : source.kind === 'recording'
          ? `recording: ${source.name ?? source.id}`
          : source.kind === 'file'
            ? source.name
            : 'See and fix lock contention in libvirt’s QEMU driver';

  const onShare = async () => {
    setBusy(true);
    setShareError(null);
    try {
      const url = await shareUrl();
      setShared(url);
      try {
        await navigator.clipboard.writeText(url);
      } catch {
        // Clipboard access can be refused; the URL stays visible to copy by hand.
      }
    } catch (e) {
      setShareError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const download = async (format: 'binary' | 'chrome') => {
    let id: string | null = null;
    if (source.kind === 'recording') id = source.id;
    else if (source.kind === 'live') id = (await recordRun(source.runId)).id;
    if (!id) return;
    const a = document.createElement('a');
    a.href = recordingDownloadUrl(id, format);
    a.download = '';
    document.body.appendChild(a);
    a.click();
    a.remove();
  };

  const open = source.kind !== 'none';
  return (
    <header className="topbar">
      <button className="side-toggle" onClick={() => useApp.getState().toggleSide()} title={sideOpen ? 'fold the side panel away' : 'show the side panel'} aria-label="toggle the side panel" aria-expanded={sideOpen} data-testid="side-toggle">
        {sideOpen ? '«' : '»'}
      </button>
      <button className="brand link" onClick={goHome} title="back to the start">
        Lockscope
      </button>
      <span className="title" data-testid="source-title">
        {title}
      </span>
      {connection !== 'idle' && (
        <span className={`badge ${connection}${truncated ? ' truncated' : ''}`} data-testid="connection">
          {connection === 'done' && truncated ? 'incomplete: event limit' : CONNECTION_TEXT[connection]}
          {status && (connection === 'live' || connection === 'paused') ? ` · ${formatNs(status.simTimeNs)} · ${status.events.toLocaleString()} events` : ''}
        </span>
      )}
      <span className="spacer" />
      {open && (
        <>
          <input
            type="search"
            placeholder="Search domain, API call, lock"
            aria-label="search by domain, API call or lock"
            value={search}
            onChange={(e) => useApp.getState().setSearch(e.target.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter') return;
              e.preventDefault();
              useApp.getState().stepMatch(e.shiftKey ? -1 : 1);
            }}
          />
          {search.trim() && <SearchCount />}
          <button
            title="show the whole trace (and keep following it while live)"
            data-testid="fit"
            onClick={() => {
              const s = useApp.getState();
              useApp.setState({ window: { t0: 0, t1: Math.max(s.end, 1000) }, follow: true });
            }}
          >
            Fit
          </button>
          <label className="follow idle-toggle" title="show the lanes of threads that did nothing (hidden by default)">
            <input type="checkbox" data-testid="show-idle" checked={showIdle} onChange={() => useApp.getState().toggleIdle()} /> idle lanes
          </label>
          <label className="follow" title="keep the newest events in view">
            <input type="checkbox" checked={follow} onChange={(e) => useApp.getState().setFollow(e.target.checked)} /> follow live
          </label>
          <button onClick={() => void onShare()} disabled={busy} data-testid="share">
            {busy ? 'Sharing…' : 'Share'}
          </button>
          <button onClick={() => void download('chrome')} title="Chrome Trace Event JSON: opens in Perfetto UI and chrome://tracing">
            ⬇ Chrome JSON
          </button>
          <button onClick={() => void download('binary')} title="Lockscope binary trace">
            ⬇ .lkscope
          </button>
        </>
      )}
      {(shared || shareError) && (
        <div className="share-popup" role="status">
          {shared && (
            <>
              <span>Link copied (trace and view):</span>
              <input readOnly value={shared} data-testid="share-url" onFocus={(e) => e.target.select()} />
              {rerunUrl() && (
                <a href={rerunUrl() ?? '#'} className="small">
                  re-run link
                </a>
              )}
            </>
          )}
          {shareError && <span className="error">{shareError}</span>}
          <button
            className="link"
            onClick={() => {
              setShared(null);
              setShareError(null);
            }}
            aria-label="close"
          >
            ×
          </button>
        </div>
      )}
    </header>
  );
}
