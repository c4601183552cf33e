import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import './styles/app.css';

// Start the page's own chunk while the session is checked: the console for a console window, else the inventory.
if (location.pathname.startsWith('/console/')) void import('./console/ConsolePage.tsx');
else void import('./app/Shell.tsx');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
