import { useEffect, useMemo } from 'react';
import { session } from '../session/session.ts';
import { useStore } from '../store/store.ts';
import type { ConsoleController } from './controller.ts';
import type { Availability, VmConsoleSnapshot } from './follow.ts';

/** How long a notice stays in a console's notice line; the status line keeps the current state. */
const NOTICE_MS = 12_000;

/**
 * What every console view (graphical or text) does with its controller: hands it the VM as the cache has it whenever
 * a field that matters changes, reopens the console after a new login, and lets notices fade.
 */
export function useConsoleFollow(
  controller: ConsoleController,
  target: { readonly availability: Availability; readonly snapshot: VmConsoleSnapshot },
): void {
  const { availability, snapshot } = target;
  const consolesKey = snapshot.consoles.join(',');
  const availabilityKey =
    availability.state === 'not-running' ? `not-running:${availability.powerState}` : availability.state;
  const stableTarget = useMemo(
    () => ({ availability, snapshot }),
    // Only the fields that matter: a new VM record for an unrelated change must not count as a change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [availabilityKey, snapshot.powerState, snapshot.domid, snapshot.residentOn, consolesKey],
  );
  useEffect(() => {
    if (stableTarget.availability.state !== 'unknown')
      controller.update(stableTarget.availability, stableTarget.snapshot);
  }, [controller, stableTarget]);

  // Logged in again after the session ended: reopen the console.
  const sessionState = useStore(session);
  const resumed = sessionState.status === 'logged-in' && sessionState.ended === undefined;
  useEffect(() => {
    if (resumed && controller.state.get().sessionEnded) controller.reconnectNow();
  }, [resumed, controller]);

  const noticeId = useStore(controller.state).notice?.id;
  useEffect(() => {
    if (noticeId === undefined) return;
    const timer = setTimeout(() => controller.dismissNotice(), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [noticeId, controller]);
}
