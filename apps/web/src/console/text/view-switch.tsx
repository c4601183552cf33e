import { useState } from 'react';
import type { ConsoleKind } from '../../navigation/routes.ts';

/** The two views of a console: noVNC on the VM's `rfb` console, or xterm.js on its `vt100` (text) console. */
export type ConsoleViewKind = 'graphical' | 'text';

export interface ConsoleViews {
  readonly view: ConsoleViewKind;
  /** Whether the switch is shown: the VM has a text console (PV guests and servers' control domains). */
  readonly offered: boolean;
  choose(view: ConsoleViewKind): void;
  /** What the VM's record says on this render: undefined while unknown (not loaded, or not running). */
  learn(hasText: boolean | undefined): void;
}

/**
 * Which view a console shows: the one the user chose, else text for a server (its control domain's console is a login
 * prompt: servers are text-first) unless it turns out to have no text console, and graphical for a VM. Once the VM has
 * shown a text console the switch stays, through reboots that list no console for a moment.
 */
export function useConsoleView(kind: ConsoleKind): ConsoleViews {
  const [chosen, setChosen] = useState<ConsoleViewKind>();
  const [hasText, setHasText] = useState<boolean>();
  const view = chosen ?? (kind === 'host' && hasText !== false ? 'text' : 'graphical');
  return {
    view,
    offered: hasText === true || view === 'text',
    choose: setChosen,
    learn: (now) => {
      if (now !== undefined && now !== hasText && hasText !== true) setHasText(now);
    },
  };
}

/** The Graphical / Text switch at the start of a console's toolbar. */
export function ViewSwitch({ views }: { views: ConsoleViews }) {
  if (!views.offered) return null;
  return (
    <span className="console-views" role="group" aria-label="Console view">
      <button
        type="button"
        aria-pressed={views.view === 'graphical'}
        onClick={() => views.choose('graphical')}
        title="The graphical console (VNC)"
      >
        Graphical
      </button>
      <button
        type="button"
        aria-pressed={views.view === 'text'}
        onClick={() => views.choose('text')}
        title="The text console: real text to select, copy, search and download"
      >
        Text
      </button>
    </span>
  );
}
