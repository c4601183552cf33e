import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { parseRoute } from './navigation/routes.ts';
import { preconnect } from './console/preconnect.ts';
import './styles/app.css';
import './styles/responsive.css';

// Start the page's own work while the session is checked: a console window opens its console at once and loads
// the console's code; any other page loads the inventory's code.
const route = parseRoute(location.pathname);
if (route.name === 'console') {
  preconnect(route.kind, route.uuid);
  void import('./console/ConsolePage.tsx');
} else if (route.name === 'share') void import('./share/SharePage.tsx');
else void import('./app/Shell.tsx');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
