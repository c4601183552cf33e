/** Record types from the shared XAPI schema (types only: nothing of the schema's data reaches the bundle). */
export type {
  HostMetricsRecord,
  HostRecord,
  NetworkRecord,
  PBDRecord,
  PIFRecord,
  PoolRecord,
  SRRecord,
  TaskRecord,
  VIFRecord,
  VMGuestMetricsRecord,
  VMMetricsRecord,
  VMRecord,
  ConsoleRecord,
  VBDRecord,
  VDIRecord,
  PowerState,
} from '../../../../packages/api-client/src/schema.ts';
