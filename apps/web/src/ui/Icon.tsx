import type { ReactElement } from 'react';
import type { IconName } from '../inventory/tree.ts';

/** Object and toolbar icons as inline SVG elements (no markup strings, so nothing to sanitise and CSP-clean). */

const monitor = <path d="M2 3h12v8H2z M6 14h4 M8 11v3" />;
const server = (
  <>
    <path d="M3 2h10v5H3z M3 9h10v5H3z" />
    <path d="M5 4.5h1 M5 11.5h1" />
  </>
);

function badge(color: string, shape: ReactElement): ReactElement {
  return (
    <g className={`badge badge-${color}`} stroke="none">
      {shape}
    </g>
  );
}

const dot = (cls: string) => badge(cls, <circle cx="12.5" cy="12.5" r="3.2" />);
const square = (cls: string) => badge(cls, <rect x="9.5" y="9.5" width="6" height="6" rx="1" />);
const pause = (cls: string) =>
  badge(
    cls,
    <>
      <rect x="9.5" y="9.2" width="2.3" height="6.5" />
      <rect x="13" y="9.2" width="2.3" height="6.5" />
    </>,
  );
const lock = badge(
  'lock',
  <>
    <rect x="9.5" y="11.5" width="6" height="4.5" rx="0.8" />
    <path
      d="M10.8 11.5v-1.5a1.7 1.7 0 0 1 3.4 0v1.5"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.1"
      className="badge-lock-shackle"
    />
  </>,
);

const SHAPES: Record<IconName, ReactElement> = {
  pool: (
    <>
      <path d="M1.5 4h6v4h-6z M8.5 4h6v4h-6z M5 10h6v4H5z" />
    </>
  ),
  host: server,
  'host-down': (
    <>
      {server}
      {dot('red')}
    </>
  ),
  'host-disabled': (
    <>
      {server}
      {dot('amber')}
    </>
  ),
  'vm-running': (
    <>
      {monitor}
      {badge('green', <path d="M10 9.2v6.6l5.6-3.3z" />)}
    </>
  ),
  'vm-halted': (
    <>
      {monitor}
      {square('red')}
    </>
  ),
  'vm-suspended': (
    <>
      {monitor}
      {pause('amber')}
    </>
  ),
  'vm-paused': (
    <>
      {monitor}
      {pause('blue')}
    </>
  ),
  template: <path d="M3 1.5h7l3 3v10H3z M10 1.5v3h3 M5 8h6 M5 10.5h6" />,
  'template-default': (
    <>
      <path d="M3 1.5h7l3 3v10H3z M10 1.5v3h3 M5 8h3" />
      {lock}
    </>
  ),
  snapshot: <path d="M2 5h3l1.5-2h3L11 5h3v8H2z M8 11.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z" />,
  sr: <path d="M2.5 4c0-2 11-2 11 0v8c0 2-11 2-11 0z M2.5 4c0 2 11 2 11 0 M2.5 8c0 2 11 2 11 0" />,
  'sr-shared': (
    <>
      <path d="M2.5 4c0-2 11-2 11 0v8c0 2-11 2-11 0z M2.5 4c0 2 11 2 11 0" />
      {badge('blue', <circle cx="12.5" cy="12.5" r="3" />)}
    </>
  ),
  network: <path d="M8 2v4 M3 10V8h10v2 M8 6v2 M1.5 10h3v4h-3z M6.5 10h3v4h-3z M11.5 10h3v4h-3z M6 2h4v4H6z" />,
  nic: <path d="M1.5 5h13v6h-13z M4 11v2.5 M7 11v2.5 M10 11v2.5 M4 7.5h3" />,
  folder: <path d="M1.5 3.5h5l1.5 1.5h6.5v8h-13z" />,
};

export function ObjectIcon({ name, className }: { name: IconName; className?: string }): ReactElement {
  return (
    <svg
      className={`icon icon-${name}${className ? ` ${className}` : ''}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      <g fill="none" stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round">
        {SHAPES[name]}
      </g>
    </svg>
  );
}

export type GlyphName =
  | 'chevron'
  | 'search'
  | 'keyboard'
  | 'fullscreen'
  | 'camera'
  | 'clipboard'
  | 'paste'
  | 'external'
  | 'eye'
  | 'fit'
  | 'close'
  | 'power'
  | 'refresh'
  | 'warning'
  | 'info'
  | 'up'
  | 'down'
  | 'plus'
  | 'trash'
  | 'undo'
  | 'download'
  | 'person'
  | 'people';

const GLYPHS: Record<GlyphName, ReactElement> = {
  chevron: <path d="M6 4l4 4-4 4" />,
  search: <path d="M7 12A5 5 0 1 0 7 2a5 5 0 0 0 0 10z M10.5 10.5L14 14" />,
  keyboard: <path d="M1.5 4h13v8h-13z M4 6.5h1 M7 6.5h1 M10 6.5h2 M4 9.5h8" />,
  fullscreen: <path d="M2 6V2h4 M10 2h4v4 M14 10v4h-4 M6 14H2v-4" />,
  camera: <path d="M2 5h3l1.5-2h3L11 5h3v8H2z M8 11.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z" />,
  clipboard: <path d="M5 3H3v11h10V3h-2 M5.5 1.5h5v3h-5z" />,
  paste: <path d="M5 3H3v11h10V3h-2 M5.5 1.5h5v3h-5z M6 8h4 M6 10.5h4" />,
  external: <path d="M9 2h5v5 M14 2L7 9 M12 9.5V14H2V4h4.5" />,
  eye: <path d="M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5z M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4z" />,
  fit: <path d="M2 2h12v12H2z M5 8h6 M5 8l2-2 M5 8l2 2 M11 8l-2-2 M11 8l-2 2" />,
  close: <path d="M3.5 3.5l9 9 M12.5 3.5l-9 9" />,
  power: <path d="M8 1.5v6 M4.5 4a5.5 5.5 0 1 0 7 0" />,
  refresh: <path d="M13.5 8A5.5 5.5 0 1 1 11 3.3 M11 1v2.5h2.5" />,
  warning: <path d="M8 1.5l7 12.5H1z M8 6v4 M8 11.8v.4" />,
  info: <path d="M8 15A7 7 0 1 0 8 1a7 7 0 0 0 0 14z M8 7v5 M8 4.6v.4" />,
  up: <path d="M4 10l4-4 4 4" />,
  down: <path d="M4 6l4 4 4-4" />,
  plus: <path d="M8 3v10 M3 8h10" />,
  trash: <path d="M2.5 4h11 M6 4V2h4v2 M4 4l1 10h6l1-10" />,
  undo: <path d="M5 2L2 5l3 3 M2 5h7a4 4 0 0 1 0 8H6" />,
  download: <path d="M8 2v8 M4.5 7L8 10.5 11.5 7 M2.5 13.5h11" />,
  person: <path d="M8 7.5a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M2.5 14.5c0-3 2.5-5 5.5-5s5.5 2 5.5 5" />,
  people: (
    <path d="M6 7a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z M1.5 14c0-2.5 2-4.5 4.5-4.5s4.5 2 4.5 4.5 M11 7.2a2 2 0 1 0 0-4 M12 9.7c1.5.5 2.5 2 2.5 4.3" />
  ),
};

export function Glyph({ name, className }: { name: GlyphName; className?: string }): ReactElement {
  return (
    <svg
      className={`glyph glyph-${name}${className ? ` ${className}` : ''}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      <g fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round">
        {GLYPHS[name]}
      </g>
    </svg>
  );
}
