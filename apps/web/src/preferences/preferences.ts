import { Store } from '../store/store.ts';

/** View settings that outlive a page load (localStorage), like XenCenter's View menu. */

export interface Preferences {
  readonly showHidden: boolean;
  readonly showDefaultTemplates: boolean;
  readonly view: 'infrastructure' | 'objects';
  /** Ask before sending Ctrl+Alt+Del to a VM (XO does). */
  readonly confirmCtrlAltDel: boolean;
  readonly scaleConsole: boolean;
  readonly navWidth: number;
  /** The text console's font size, in CSS pixels. */
  readonly textFontSize: number;
}

const DEFAULTS: Preferences = {
  showHidden: false,
  showDefaultTemplates: true,
  view: 'infrastructure',
  confirmCtrlAltDel: true,
  scaleConsole: true,
  navWidth: 320,
  textFontSize: 14,
};

const KEY = 'xwc.preferences';

function load(): Preferences {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    if (typeof stored !== 'object' || stored === null) return DEFAULTS;
    const out: Record<string, unknown> = { ...DEFAULTS };
    for (const [key, fallback] of Object.entries(DEFAULTS)) {
      const value = (stored as Record<string, unknown>)[key];
      if (typeof value === typeof fallback) out[key] = value;
    }
    if (out.view !== 'infrastructure' && out.view !== 'objects') out.view = DEFAULTS.view;
    return out as unknown as Preferences;
  } catch {
    return DEFAULTS;
  }
}

export const preferences = new Store<Preferences>(load());

preferences.subscribe(() => {
  try {
    localStorage.setItem(KEY, JSON.stringify(preferences.get()));
  } catch {
    // Private browsing: settings last for this page only.
  }
});

export function setPreference<K extends keyof Preferences>(key: K, value: Preferences[K]): void {
  preferences.set((previous) => ({ ...previous, [key]: value }));
}
