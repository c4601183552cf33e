import { parseRoute } from './navigation/routes.ts';
import { preconnect } from './console/preconnect.ts';
import './styles/app.css';
import './styles/responsive.css';

// The entry is small and starts the page's own work before React is even fetched: a console window opens its
// console at once and fetches noVNC and the console's code alongside React (noVNC's evaluation then overlaps React's
// rather than following it); any other page fetches the inventory's code.
const route = parseRoute(location.pathname);
if (route.name === 'console') {
  preconnect(route.kind, route.uuid);
  // ConsoleView loads it too (the same module) and reports a failure.
  import('@novnc/novnc').catch(() => undefined);
  void import('./console/ConsolePage.tsx');
} else if (route.name === 'share') void import('./share/SharePage.tsx');
else void import('./app/Shell.tsx');

void import('./app/render.tsx').then(({ render }) =>
  render(document.getElementById('root')!, route.name === 'console'),
);
