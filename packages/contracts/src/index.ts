export {
  closeMeaning,
  CONSOLE_CLOSE,
  consoleCloseKind,
  reconnectsUnasked,
  type CloseMeaning,
  type ClosePolicy,
  type ConsoleCloseKind,
} from './console-close.ts';
export {
  MAX_COMMAND_BYTES,
  parseConsoleCommand,
  type ConsoleCommand,
  type ConsoleNotice,
  type ConsoleViewer,
  type ControlChange,
  type GrantHow,
  type RecordingState,
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
export {
  crc32,
  encodeRecord,
  hasRecordingMagic,
  MAX_RECORD_PAYLOAD,
  MAX_RECORDING_MS,
  readRecord,
  readRecordHeader,
  RECORD_HEADER_BYTES,
  RECORD_TRAILER_BYTES,
  RECORDING_MAGIC,
  recordingMagic,
  RECORDING_STATUSES,
  RecordType,
  type IndexedKeyframe,
  type Keyframe,
  type RecordedViewer,
  type RecordingEnd,
  type RecordingEvent,
  type RecordingMeta,
  type RecordingRecord,
  type RecordingStatus,
  type RecordingSummary,
  type RecordRead,
  type RecordTypeName,
} from './recording-format.ts';
export {
  ACCEPT_CERTIFICATE_PATH,
  CERTIFICATE_ERRORS,
  parseCertificateChange,
  type CertificateChange,
} from './certificates.ts';
export {
  DVD_ERRORS,
  type DvdDisc,
  type DvdDrive,
  type DvdDrivesView,
  type DvdInsertBody,
  type IsoLibrariesView,
  type IsoLibrary,
} from './dvd-drives.ts';
export { API_ERROR_CODES, API_ERRORS, isApiErrorCode, type ApiErrorCode } from './api-errors.ts';
export {
  isWireClass,
  WIRE_CLASSES,
  XAPI_CLASSES,
  xapiClassOf,
  type WireClass,
  type XapiClass,
} from './xapi-classes.ts';
