/**
 * The XAPI classes the gateway serves and the web app shows, in XAPI's spelling. On the wire (the inventory stream,
 * `/api/objects/:class`) a class is its lower-cased name, as XAPI's own event classes are. The schema
 * (@xwc/api-client), the gateway's inventory and the web app's record types all follow this one list.
 */
export const XAPI_CLASSES = [
  'pool',
  'host',
  'host_metrics',
  'VM',
  'VM_metrics',
  'VM_guest_metrics',
  'console',
  'network',
  'PIF',
  'VIF',
  'SR',
  'PBD',
  'VDI',
  'VBD',
  'task',
  'message',
] as const;

export type XapiClass = (typeof XAPI_CLASSES)[number];
export type WireClass = Lowercase<XapiClass>;

const wireClassOf = <C extends XapiClass>(cls: C): Lowercase<C> => cls.toLowerCase() as Lowercase<C>;

export const WIRE_CLASSES: readonly WireClass[] = XAPI_CLASSES.map(wireClassOf);

const BY_WIRE = new Map<string, XapiClass>(XAPI_CLASSES.map((cls) => [wireClassOf(cls), cls]));

export const isWireClass = (value: string): value is WireClass => BY_WIRE.has(value);

/** XAPI's spelling of a wire class (`vm_guest_metrics` → `VM_guest_metrics`). */
export const xapiClassOf = (wire: WireClass): XapiClass => BY_WIRE.get(wire)!;
