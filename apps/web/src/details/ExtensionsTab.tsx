import { useCallback, useState, type ReactNode } from 'react';
import { patchExtensions } from '../api/endpoints.ts';
import { ApiError, describeError } from '../api/http.ts';
import { NULL_REF, XAPI_CLASS, type AnyRec, type PifRec, type VifRec, type WireClass } from '../api/wire.ts';
import type { Role } from '../shared/catalogue.ts';
import { cache } from '../store/cache.ts';
import { useClassesVersion } from '../store/hooks.ts';
import { useStore } from '../store/store.ts';
import { SaveBar } from '../ui/SaveBar.tsx';
import { toast } from '../ui/toasts.ts';
import { useNow } from '../ui/useNow.ts';
import { checkNewEntries, clearDrafts, drafts, newEntries, removeNewEntry } from './drafts.ts';
import { checkObject, type ObjectCheck } from './extension-form.ts';
import { canEditSome, ExtensionSections, fieldDomId, type ServerError } from './ExtensionsForm.tsx';
import { MtuCheck } from './MtuCheck.tsx';
import { ReplugPending } from './ReplugPending.tsx';

/**
 * The Extensions tab: one form for the page — the object itself, a VM's guest metrics, and the NICs of a VM, host or
 * network (each its own XAPI object, saved with its own PATCH) — with one Save bar and one set of drafts.
 */

/** An object whose extensions the page edits. */
export interface PageObject {
  readonly cls: WireClass;
  readonly uuid: string;
  readonly record: AnyRec;
  /** How the page names it (a NIC as the tree does). */
  readonly title: string;
  readonly part: 'self' | 'guest' | 'nic';
}

export const formOf = (cls: WireClass, uuid: string): string => `ext:${cls}/${uuid}`;

const byDevice = (a: { device: string }, b: { device: string }) =>
  a.device.localeCompare(b.device, undefined, { numeric: true });
const networkName = (ref: string) => cache.byRef('network', ref)?.name_label ?? 'unknown network';
const pifName = (pif: PifRec) => `${pif.device}${pif.VLAN >= 0 ? ` VLAN ${pif.VLAN}` : ''}`;

/** Everything the Extensions tab of an object edits, the object first. */
export function pageObjects(cls: WireClass, uuid: string, record: AnyRec, name: string): PageObject[] {
  const objects: PageObject[] = [{ cls, uuid, record, title: name, part: 'self' }];
  const nic = (nicCls: 'vif' | 'pif', nic: VifRec | PifRec, title: string): PageObject => ({
    cls: nicCls,
    uuid: nic.uuid,
    record: nic,
    title,
    part: 'nic',
  });
  const vm = cls === 'vm' ? cache.byRef('vm', record.$ref) : undefined;
  if (vm) {
    const gm = vm.guest_metrics === NULL_REF ? undefined : cache.byRef('vm_guest_metrics', vm.guest_metrics);
    if (gm) {
      objects.push({
        cls: 'vm_guest_metrics',
        uuid: gm.uuid,
        record: gm,
        title: `${name} guest metrics`,
        part: 'guest',
      });
    }
    for (const vif of [...cache.byRefs('vif', vm.VIFs)].sort(byDevice))
      objects.push(nic('vif', vif, `NIC ${vif.device} on ${networkName(vif.network)}`));
  }
  if (cls === 'host') {
    const pifs = cache.byRefs('pif', cache.byRef('host', record.$ref)?.PIFs ?? []);
    for (const pif of [...pifs].sort(byDevice))
      objects.push(nic('pif', pif, `${pifName(pif)} on ${networkName(pif.network)}`));
  }
  if (cls === 'network') {
    const pifs = cache.byRefs('pif', cache.byRef('network', record.$ref)?.PIFs ?? []);
    for (const pif of [...pifs].sort(byDevice)) {
      const host = cache.byRef('host', pif.host)?.name_label ?? 'unknown host';
      objects.push(nic('pif', pif, `${pifName(pif)} on ${host}`));
    }
  }
  return objects;
}

export function ExtensionsTab({
  cls,
  uuid,
  record,
  role,
  name,
}: {
  cls: WireClass;
  uuid: string;
  record: AnyRec;
  role: Role;
  name: string;
}) {
  useClassesVersion(['vif', 'pif', 'network', 'host', 'vm_guest_metrics']);
  const allDrafts = useStore(drafts);
  const allNew = useStore(newEntries);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<ServerError | undefined>();
  const now = useNow(30_000);
  const networkFilter = useCallback((pif: PifRec) => pif.network === record.$ref, [record.$ref]);

  const objects = pageObjects(cls, uuid, record, name).map((object) => {
    const form = formOf(object.cls, object.uuid);
    const check = checkObject(
      XAPI_CLASS[object.cls],
      object.record,
      role,
      allDrafts.get(form) ?? new Map(),
      allNew.get(form) ?? [],
    );
    return { ...object, form, check };
  });
  const forms = objects.map((o) => o.form);
  const changes = objects.reduce((n, o) => n + Object.keys(o.check.patch).length, 0);
  const problems = objects.reduce((n, o) => n + o.check.problems, 0);
  const shownProblems = objects.reduce((n, o) => n + o.check.shownProblems, 0);
  const dirty = forms.some((form) => allDrafts.has(form) || allNew.has(form));
  const editable = objects.some((o) => canEditSome(o.cls, o.record, role));

  const save = async () => {
    checkNewEntries(forms);
    if (saving || changes === 0 || problems > 0) return;
    setSaving(true);
    setServerError(undefined);
    let saved = 0;
    try {
      for (const object of objects) {
        const count = Object.keys(object.check.patch).length;
        if (count === 0) continue;
        try {
          const result = await patchExtensions(object.cls, object.uuid, object.check.patch);
          if (result.record) {
            cache.apply([
              { op: 'mod', cls: object.cls, uuid: object.uuid, ref: result.record.$ref, record: result.record },
            ]);
          }
          // Everything left was either saved or equal to the stored value.
          clearDrafts(object.form);
          removeNewEntry(object.form);
          saved += count;
        } catch (error) {
          reportRefusal(error, object.form, object.part === 'self' ? undefined : object.title);
          break;
        }
      }
    } finally {
      setSaving(false);
    }
    if (saved > 0) toast('success', `Saved ${saved} ${saved === 1 ? 'change' : 'changes'} to ${name}.`);
  };

  const reportRefusal = (error: unknown, form: string, part: string | undefined) => {
    const prefix = part ? `${part}: ` : '';
    if (error instanceof ApiError && error.code === 'INVALID_EXTENSION') {
      const key = typeof error.details.key === 'string' ? error.details.key : undefined;
      setServerError({ form, ...(key ? { key } : {}), message: error.message });
      if (key) document.getElementById(fieldDomId(key))?.scrollIntoView({ block: 'center', behavior: 'smooth' });
      else setServerError({ form, message: `${prefix}${error.message}` });
    } else {
      setServerError({ form, message: `${prefix}${describeError(error)}` });
    }
  };

  const discard = () => {
    for (const form of forms) {
      clearDrafts(form);
      removeNewEntry(form);
    }
    setServerError(undefined);
  };

  const sections = (object: (typeof objects)[number]) => (
    <ExtensionSections
      cls={object.cls}
      record={object.record}
      role={role}
      form={object.form}
      check={object.check}
      serverError={serverError}
      now={now}
    />
  );
  const [self, ...parts] = objects;
  const guest = parts.filter((o) => o.part === 'guest');
  const nics = parts.filter((o) => o.part === 'nic');

  return (
    <form
      className="ext-form extensions-tab"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      onKeyDown={(event) => {
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
          event.preventDefault();
          void save();
        }
      }}
      aria-label={`Extensions of ${name}`}
    >
      {cls === 'network' ? <MtuCheck scope="network" filter={networkFilter} /> : null}
      {cls === 'pif' || cls === 'host' || cls === 'pool' ? <MtuCheck scope="pool" /> : null}
      {cls === 'network' ? <ReplugPending network={record} role={role} /> : null}
      <div className="ext-sections">
        {self ? sections(self) : null}
        {cls === 'vm' ? (
          guest[0] ? (
            <section className="sub-form" aria-label="Guest metrics">
              <h3>Guest metrics</h3>
              {sections(guest[0])}
            </section>
          ) : (
            <section className="ext-group">
              <h3>Guest tools</h3>
              <p className="muted">No guest metrics: the VM is not running or has no guest tools installed.</p>
            </section>
          )
        ) : null}
        {nics.length > 0 ? (
          <section
            className="nic-forms"
            aria-label={nics[0]!.cls === 'vif' ? 'Virtual NIC settings' : 'Physical NIC settings'}
          >
            <h3>{nics[0]!.cls === 'vif' ? 'Virtual NICs' : 'Physical NICs'}</h3>
            {nics.map((nic) => (
              <NicPart
                key={nic.uuid}
                title={nic.title}
                check={nic.check}
                dirty={allDrafts.has(nic.form) || allNew.has(nic.form)}
              >
                {sections(nic)}
              </NicPart>
            ))}
          </section>
        ) : null}
      </div>
      {editable ? (
        <SaveBar
          changes={changes}
          problems={shownProblems}
          error={
            serverError === undefined
              ? undefined
              : serverError.key
                ? `The pool refused ${serverError.key}: ${serverError.message}`
                : serverError.message
          }
          saving={saving}
          canDiscard={dirty}
          onDiscard={discard}
        />
      ) : null}
    </form>
  );
}

/** A NIC's part of the page: folded away until opened, kept open while it holds an edit. */
function NicPart({
  title,
  check,
  dirty,
  children,
}: {
  title: string;
  check: ObjectCheck;
  dirty: boolean;
  children: ReactNode;
}) {
  return (
    <details className="sub-form" open={dirty || check.problems > 0 || undefined}>
      <summary>{title}</summary>
      {children}
    </details>
  );
}
