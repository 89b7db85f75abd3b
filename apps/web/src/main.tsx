import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { ensureSession } from './api/session.js';
import { startTraceWorker } from './derived/offthread.js';
import './styles.css';

// Ready before the first big trace (statistics, decoding and indexing run there).
startTraceWorker();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
const mount = root;
// A server with a token asks for it once (see api/session.ts) before the app calls the API.
void ensureSession().finally(() =>
  createRoot(mount).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
