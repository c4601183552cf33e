import type { Audit } from './audit.ts';
import type { Sessions } from './auth/sessions.ts';
import type { GatewayConfig } from './config.ts';
import type { Recordings } from './console/recording/recordings.ts';
import type { ConsoleService } from './console/service.ts';
import type { Logger } from './log.ts';
import type { GatewayMetrics } from './ops/metrics.ts';
import type { CertificateChanges } from './pool/certificate-change.ts';
import type { Inventories } from './pool/inventory.ts';
import type { PoolLink } from './pool/link.ts';
import type { StatsService } from './stats/service.ts';

/** The parts of a running gateway that request handlers use. */
export interface GatewayContext {
  config: GatewayConfig;
  link: PoolLink;
  sessions: Sessions;
  inventories: Inventories;
  consoles: ConsoleService;
  recordings: Recordings;
  stats: StatsService;
  audit: Audit;
  log: Logger;
  metrics: GatewayMetrics;
  certificates: CertificateChanges;
}
