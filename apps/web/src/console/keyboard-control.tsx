import { useEffect, useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../ui/Modal.tsx';
import { DENY_KEYS, HAND_OVER_KEYS, type KeyboardActions } from './ConsolePresence.tsx';
import { shortcutLetter } from './keysyms.ts';
import type { ConsoleController } from './controller.ts';
import { keyboardHolder, personName, type ConsolePresence } from './presence.ts';

/**
 * The keyboard of a shared console as every view (graphical or text) offers it: the keyboard bar's actions (Take
 * asks first), the holder's page-wide shortcuts answering the oldest request, and the Take confirmation (`dialog`).
 */
export function useKeyboardControl(
  controller: ConsoleController,
  presence: ConsolePresence | undefined,
  name: string,
): { actions: KeyboardActions; dialog: ReactNode } {
  const [askTake, setAskTake] = useState(false);
  const holder = presence ? keyboardHolder(presence) : undefined;
  const haveKeyboard = holder !== undefined && holder.id === presence?.me;
  const holderName = presence && holder ? personName(presence, holder) : '';
  const firstRequest = haveKeyboard && presence ? presence.requests[0] : undefined;

  // The holder answers the oldest request from anywhere in the page, even while the console has the keys.
  useEffect(() => {
    if (firstRequest === undefined) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (!event.ctrlKey || !event.altKey || event.shiftKey || event.metaKey) return;
      const key = shortcutLetter(event);
      if (key !== HAND_OVER_KEYS.key && key !== DENY_KEYS.key) return;
      event.preventDefault();
      event.stopPropagation();
      if (key === HAND_OVER_KEYS.key) controller.handOver(firstRequest);
      else controller.denyControl(firstRequest);
    };
    document.addEventListener('keydown', onKeyDown, true);
    return () => document.removeEventListener('keydown', onKeyDown, true);
  }, [controller, firstRequest]);

  const actions: KeyboardActions = {
    request: () => controller.requestControl(),
    withdraw: () => controller.withdrawRequest(),
    release: () => {
      controller.releaseControl();
      controller.focus();
    },
    take: () => setAskTake(true),
    handOver: (viewer) => {
      controller.handOver(viewer);
      controller.focus();
    },
    deny: (viewer) => {
      controller.denyControl(viewer);
      controller.focus();
    },
  };
  const dialog =
    askTake && holder ? (
      <ConfirmDialog
        title="Take the keyboard?"
        message={
          <>
            Take the keyboard from <strong>{holderName}</strong>? Their keys and pointer stop reaching {name} at once,
            and they are told that you took it.
          </>
        }
        confirmLabel="Take keyboard"
        danger
        onConfirm={() => {
          setAskTake(false);
          controller.takeControl();
          controller.focus();
        }}
        onCancel={() => setAskTake(false)}
      />
    ) : null;
  return { actions, dialog };
}
