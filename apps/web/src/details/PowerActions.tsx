import { useState } from 'react';
import { powerAction } from '../api/endpoints.ts';
import { describeError } from '../api/http.ts';
import type { VmRec } from '../api/wire.ts';
import type { Role } from '../shared/roles.ts';
import { ConfirmDialog } from '../ui/Modal.tsx';
import { toast } from '../ui/toasts.ts';
import { availableActions, blockedActions, POWER_ROLE, roleReason, type ActionSpec } from '../domain/power-actions.ts';

/** Runs a power action and says how it went (toasts); never throws. */
export async function runPowerAction(vm: VmRec, spec: ActionSpec): Promise<void> {
  try {
    await powerAction(vm.uuid, spec.action);
    toast('success', `${vm.name_label} ${spec.done}.`);
  } catch (error) {
    toast('error', `Could not ${spec.label.toLowerCase()} ${vm.name_label}: ${describeError(error)}`);
  }
}

/** Asks before a disruptive power action (one whose spec asks for confirmation); renders nothing otherwise. */
export function ConfirmPowerAction({
  vm,
  spec,
  onConfirm,
  onCancel,
}: {
  vm: VmRec;
  spec: ActionSpec;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  if (!spec.confirm) return null;
  return (
    <ConfirmDialog
      title={spec.confirm.title}
      message={
        <>
          <strong>{vm.name_label}</strong>: {spec.confirm.message}
        </>
      }
      confirmLabel={spec.label}
      {...(spec.confirm.danger ? { danger: true } : {})}
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  );
}

/** Start / shut down / reboot / suspend / resume, with confirmation for the disruptive ones and progress while XAPI works. */
export function PowerActions({ vm, role, compact }: { vm: VmRec; role: Role; compact?: boolean }) {
  const [pending, setPending] = useState<ActionSpec | undefined>();
  const [asking, setAsking] = useState<ActionSpec | undefined>();
  const denied = roleReason(role, POWER_ROLE, 'Changing the power state');
  const actions = availableActions(vm);
  const blocked = compact ? [] : blockedActions(vm);
  const busy = pending !== undefined || Object.keys(vm.current_operations).length > 0;

  const run = async (spec: ActionSpec) => {
    setAsking(undefined);
    setPending(spec);
    await runPowerAction(vm, spec);
    setPending(undefined);
  };

  const shown = compact ? actions.filter((a) => !a.action.startsWith('hard_')) : actions;
  if (shown.length === 0 && blocked.length === 0) return null;
  return (
    <div className="power-actions" role="group" aria-label="Power">
      {shown.map((spec) => (
        <button
          key={spec.action}
          type="button"
          className={
            spec.action === 'start' || spec.action === 'resume'
              ? 'primary'
              : spec.confirm?.danger
                ? 'danger-outline'
                : ''
          }
          disabled={denied !== undefined || busy}
          title={denied}
          aria-busy={pending === spec}
          onClick={() => (spec.confirm ? setAsking(spec) : void run(spec))}
        >
          {pending === spec ? <span className="spinner" aria-hidden="true" /> : null}
          {pending === spec ? `${spec.label}…` : spec.label}
        </button>
      ))}
      {blocked.map(({ spec, reason }) => (
        // Disabled buttons get no hover in every browser: the wrapper carries the reason, as XenCenter's tooltip does.
        <span key={spec.action} className="blocked-action" title={`Blocked: ${reason}`}>
          <button type="button" disabled aria-label={`${spec.label} (blocked: ${reason})`}>
            {spec.label}
          </button>
        </span>
      ))}
      {denied && !compact ? <p className="field-locked">{denied}</p> : null}
      {asking ? (
        <ConfirmPowerAction
          vm={vm}
          spec={asking}
          onConfirm={() => void run(asking)}
          onCancel={() => setAsking(undefined)}
        />
      ) : null}
    </div>
  );
}
