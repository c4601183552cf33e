import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, ConsolePage } from './App.tsx';

/**
 * Mounts the app (React and everything it renders are in this chunk and its imports, loaded by main.tsx). A console
 * window first waits for the console's code, already on its way: its first render is then the console, not a
 * fallback (see lazyPage); a failed load is left to the page's own lazy load to report.
 */
export async function render(root: HTMLElement, consoleWindow: boolean): Promise<void> {
  if (consoleWindow) await ConsolePage.load().catch(() => undefined);
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
