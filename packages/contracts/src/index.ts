export { CONSOLE_CLOSE, consoleCloseKind, type ConsoleCloseKind } from './console-close.ts';
export {
  MAX_COMMAND_BYTES,
  parseConsoleCommand,
  type ConsoleCommand,
  type ConsoleNotice,
  type ConsoleViewer,
  type ControlChange,
  type GrantHow,
  type ReleaseWhy,
} from './console-control.ts';
export { parseConsoleNotice } from './console-notices.ts';
export { RDP_REFUSED, rdpAddressOf, rdpTarget, type RdpTarget } from './remote-desktop.ts';
export { LIMIT_CODES, parseLimitRefusal, type LimitRefusal, type LoginLimitScope } from './limits.ts';
export {
  LINK_ERRORS,
  LINK_LIFETIME,
  LINK_PROTOCOL_PREFIX,
  LINK_TOKEN,
  type LinkConsoleKind,
  type LinkState,
  type SharedConsoleView,
  type ShareLinkView,
} from './share-links.ts';
export {
  isWallConsoleKey,
  MAX_WALL_COMMAND_BYTES,
  parseWallCommand,
  parseWallNotice,
  readThumbnailFrame,
  thumbnailFrame,
  type WallCommand,
  type WallConsoleKey,
  type WallNotice,
  type WallTileState,
} from './wall.ts';
export {
  archiveSpan,
  describeSource,
  isStatsRange,
  RRD_ARCHIVES,
  STATS_ERRORS,
  STATS_RANGES,
  type RrdArchive,
  type SourceDescription,
  type StatsGroup,
  type StatsRange,
  type StatsReply,
  type StatsSeries,
  type StatsUnit,
} from './stats.ts';
