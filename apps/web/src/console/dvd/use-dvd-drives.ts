import { useEffect, useState } from 'react';
import { ApiError } from '../../api/http.ts';
import type { DvdDrivesView } from '../../shared/contracts.ts';
import { cache } from '../../store/cache.ts';
import { useClassVersion, useRecord } from '../../store/hooks.ts';
import { fetchCdDrives } from './dvd-api.ts';

export interface DvdDrivesState {
  readonly view: DvdDrivesView | undefined;
  /** Why the drives could not be read. */
  readonly error: string | undefined;
  /** The VM's power state, live from the event stream. */
  readonly powerState: string | undefined;
  readonly refresh: () => void;
}

/**
 * A VM's CD drives as the gateway reads them, read again whenever the event stream shows one of them change (a disc
 * put in from XenCenter, another tab, the pool itself).
 */
export function useDvdDrives(vm: string): DvdDrivesState {
  const record = useRecord('vm', vm);
  useClassVersion('vbd');
  const drives = record ? cache.byRefs('vbd', record.VBDs).filter((vbd) => vbd.type === 'CD') : [];
  const signature = drives.map((vbd) => `${vbd.uuid}:${vbd.empty}:${vbd.VDI}`).join();
  const [view, setView] = useState<DvdDrivesView>();
  const [error, setError] = useState<string>();
  const [reads, setReads] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    fetchCdDrives(vm, abort.signal).then(
      (next) => {
        setView(next);
        setError(undefined);
      },
      (failure: unknown) => {
        if (abort.signal.aborted) return;
        setError(failure instanceof ApiError ? failure.message : 'The DVD drives could not be read.');
      },
    );
    return () => abort.abort();
  }, [vm, signature, reads]);

  return {
    view,
    error,
    powerState: record?.power_state ?? view?.vm.powerState,
    refresh: () => setReads((n) => n + 1),
  };
}
