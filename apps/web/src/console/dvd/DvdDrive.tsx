import { useId, useState } from 'react';
import { ApiError } from '../../api/http.ts';
import type { DvdDisc, DvdDrive as Drive } from '../../shared/contracts.ts';
import { roleAtLeast, ROLE_LABELS, type Role } from '../../shared/roles.ts';
import { ejectDisc, insertDisc } from './dvd-api.ts';
import { IsoPicker } from './IsoPicker.tsx';
import { useDvdDrives } from './use-dvd-drives.ts';
import './dvd-drive.css';

/** The least role that may insert and eject (`VBD.insert`, `VBD.eject` in xapi's data model). */
const CHANGE_ROLE: Role = 'vm-operator';

interface Step {
  readonly doing: string;
  readonly run: () => Promise<void>;
}

/** Why the disc cannot be changed now, or undefined when it can. */
function blockedWhy(role: Role | undefined, powerState: string | undefined): string | undefined {
  if (role !== undefined && !roleAtLeast(role, CHANGE_ROLE)) {
    return `Read-only: changing the disc needs the ${ROLE_LABELS[CHANGE_ROLE]} role or higher; you are ${ROLE_LABELS[role]}.`;
  }
  if (powerState === 'Suspended') return 'The VM is suspended: its drive cannot change until it is resumed.';
  return undefined;
}

/**
 * XenCenter's DVD drive selector above a VM's console: the disc in the drive, Eject, and Insert ISO… (the ISO
 * libraries' discs, grouped and searchable), with the step under way shown while the pool works.
 */
export function DvdDrive({ uuid, role }: { uuid: string; role: Role | undefined }) {
  const { view, error, powerState, refresh } = useDvdDrives(uuid);
  const [chosen, setChosen] = useState<string>();
  const [doing, setDoing] = useState<string>();
  const [failure, setFailure] = useState<string>();
  const [picking, setPicking] = useState(false);
  const selectId = useId();

  const drives = view?.drives ?? [];
  const drive: Drive | undefined = drives.find((d) => d.uuid === chosen) ?? drives[0];
  const blocked = blockedWhy(role, powerState);
  const readOnly = role !== undefined && !roleAtLeast(role, CHANGE_ROLE);

  const perform = async (steps: readonly Step[]): Promise<void> => {
    setFailure(undefined);
    try {
      for (const step of steps) {
        setDoing(step.doing);
        await step.run();
      }
    } catch (problem) {
      setFailure(problem instanceof ApiError ? problem.message : 'The drive could not be changed.');
    } finally {
      setDoing(undefined);
      refresh();
    }
  };

  const eject = (target: Drive): Step => ({
    doing: `Ejecting ${target.disc?.name ?? 'the disc'}…`,
    run: () => ejectDisc(target.uuid),
  });
  const insert = (target: Drive, iso: DvdDisc): void => {
    setPicking(false);
    void perform([
      ...(target.disc ? [eject(target)] : []),
      { doing: `Inserting ${iso.name}…`, run: () => insertDisc(target.uuid, iso.uuid) },
    ]);
  };

  const hint = error
    ? undefined
    : !view
      ? 'Reading the DVD drive…'
      : !drive
        ? 'This VM has no DVD drive. A VM Admin can add one in XenCenter (Storage tab) or with xe vbd-create type=CD.'
        : (blocked ??
          (drive.disc
            ? `From ${drive.disc.library}.`
            : 'The drive is empty: insert an ISO to install or boot from it.'));

  return (
    <section className="dvd-drive" role="group" aria-label="DVD drive" aria-busy={doing !== undefined}>
      <div className="dvd-drive-bar">
        {drives.length > 1 ? (
          <>
            <label htmlFor={selectId}>DVD drive</label>
            <select id={selectId} value={drive?.uuid} onChange={(event) => setChosen(event.target.value)}>
              {drives.map((d, i) => (
                <option key={d.uuid} value={d.uuid}>
                  Drive {i + 1} (device {d.userdevice})
                </option>
              ))}
            </select>
          </>
        ) : (
          <span className="dvd-drive-label">DVD drive</span>
        )}
        {drive ? (
          <span className={`dvd-disc${drive.disc ? '' : ' muted'}`} title={drive.disc?.name}>
            {drive.disc ? drive.disc.name : 'Empty'}
          </span>
        ) : null}
        {drive && !readOnly ? (
          <span className="dvd-drive-actions">
            {drive.disc ? (
              <button
                type="button"
                disabled={doing !== undefined || blocked !== undefined}
                title={blocked ?? `Take ${drive.disc.name} out of the drive`}
                onClick={() => void perform([eject(drive)])}
              >
                Eject
              </button>
            ) : null}
            <button
              type="button"
              disabled={doing !== undefined || blocked !== undefined}
              title={blocked ?? 'Choose an ISO of the pool’s ISO libraries to put in the drive'}
              onClick={() => setPicking(true)}
            >
              Insert ISO…
            </button>
          </span>
        ) : null}
        <span role="status" className="dvd-drive-progress">
          {doing ? (
            <>
              <span className="spinner" aria-hidden="true" /> {doing}
            </>
          ) : null}
        </span>
      </div>
      {failure || error ? (
        <p role="alert" className="dvd-drive-error">
          {failure ?? error}
        </p>
      ) : null}
      {hint ? <p className="dvd-drive-hint muted">{hint}</p> : null}
      {picking && drive ? (
        <IsoPicker
          vm={uuid}
          current={drive.disc?.name}
          onChoose={(iso) => insert(drive, iso)}
          onClose={() => setPicking(false)}
        />
      ) : null}
    </section>
  );
}
