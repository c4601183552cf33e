export { loadConfig, ConfigError, type GatewayConfig } from './config.ts';
export { startGateway, trustModeFromConfig, DEFAULT_UI_DIR, type Gateway, type GatewayOptions } from './gateway.ts';
export { CLOSE } from './console/close-codes.ts';
export type { TrustMode } from './pool/trust.ts';
