/**
 * What limits a missed target, by figure id: written from profiles and experiments on this machine kind, shown in
 * docs/BENCHMARKS.md only for targets the run missed.
 */
export const PREAMBLE = '';
export const ANALYSIS: Readonly<Record<string, string>> = {};
