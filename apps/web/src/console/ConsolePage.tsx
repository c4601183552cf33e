import type { ConsoleKind } from '../navigation/routes.ts';
import type { Role } from '../shared/roles.ts';
import { useRecord } from '../store/hooks.ts';
import { useDocumentTitle } from '../ui/dom.ts';
import ConsoleView from './ConsoleView.tsx';
import { DvdDrive } from './dvd/DvdDrive.tsx';

/** The chrome-less console page (`/console/vm/:uuid`, `/console/host/:uuid`) for "open in a new window". */
export default function ConsolePage({ kind, uuid, role }: { kind: ConsoleKind; uuid: string; role: Role | undefined }) {
  const vm = useRecord('vm', kind === 'vm' ? uuid : undefined);
  const host = useRecord('host', kind === 'host' ? uuid : undefined);
  const name = (kind === 'vm' ? vm?.name_label : host?.name_label) ?? '';
  useDocumentTitle(name ? `${name} — console` : 'Console');
  return (
    <main className="console-page">
      <h1 className="visually-hidden">Console of {name || 'the object'}</h1>
      {kind === 'vm' ? <DvdDrive uuid={uuid} role={role} /> : null}
      <ConsoleView kind={kind} uuid={uuid} role={role} />
    </main>
  );
}
