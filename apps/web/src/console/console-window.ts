import { consolePath, type ConsoleKind } from '../navigation/routes.ts';

/**
 * "Console in new window", wherever it is offered: a new tab of the chrome-less console page, as the details header's
 * link opens it (target="_blank", rel="noopener"), so every such control behaves alike.
 */
export function openConsoleWindow(kind: ConsoleKind, uuid: string): void {
  window.open(consolePath(kind, uuid), '_blank', 'noopener');
}
