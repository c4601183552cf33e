export { CATALOGUE } from './catalogue.ts';
export { isHostname, isHostnameOrIp, isIPv4, isIPv6, isUuid } from './addresses.ts';
export {
  describeType,
  formatDuration,
  formatForDisplay,
  formatUtc,
  optionsFor,
  type DisplayOptions,
} from './display.ts';
export { MAP_WRITES } from './fields.ts';
export { mapTextProblem, quoteMapText } from './map-text.ts';
export { catalogueJson, type CatalogueJson } from './json.ts';
export { entriesOf, entryById, findAliasOf, findEntry, parsePatchKey, patchKeyOf, type PatchKey } from './lookup.ts';
export {
  OBJECT_REF,
  planPatch,
  type CallArg,
  type PatchPlan,
  type PlanContext,
  type PlannedOperation,
  type XapiCall,
} from './plan.ts';
export { readExtension, readExtensions, type ExtensionValue, type RecordExtension } from './read.ts';
export {
  srDisplayDescription,
  srDisplayName,
  srLocale,
  SR_LOCALES,
  SR_TRANSLATIONS,
  type SrLocale,
} from './sr-names.ts';
export * from './types.ts';
export { validateKey, validateValue, type ValidationContext, type ValidationResult } from './validate.ts';
export {
  isDefaultTemplate,
  isHiddenFromXenCenter,
  isInternalTemplate,
  isRollingUpgradeInProgress,
  networkIsAutomatic,
} from './xencenter.ts';
