export * from './dict.ts';
export * from './errors.ts';
export * from './roles.ts';
export * from './schema.ts';
export * from './records.ts';
export * from './wire/values.ts';
export * as xmlrpc from './wire/xmlrpc.ts';
export * as jsonrpc from './wire/jsonrpc.ts';

export {
  caTrust,
  certificateNames,
  connectVerified,
  customTrust,
  fingerprintTrust,
  formatHostPort,
  insecureTrust,
  normalizeFingerprint,
  type ConnectOptions,
  type CustomTrustCheck,
  type CustomTrustInfo,
  type PeerInfo,
  type TrustPolicy,
} from './trust.ts';
export { VerifiedAgent } from './transport/agent.ts';
export type { TransportKind } from './transport/call.ts';
export type { TransportOption } from './transport/select.ts';
export {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  masterAddressOf,
  XapiConnection,
  type CallOptions,
  type ConnectionEvents,
  type ConnectionOptions,
  type LoginOptions,
  type RetargetEvent,
} from './connection.ts';
export { REDACTED_SESSION, XapiSession, type MapField } from './session.ts';
export {
  RecordsByClass,
  watchEvents,
  type AnyXapiRecord,
  type EventBatch,
  type WatchOptions,
  type XapiChange,
} from './events.ts';
export * from './catalogue/index.ts';
