/** Keyboard layouts, shared with the simulated pool (which reads scan codes with the same tables). */
export * from '../../../../packages/keymaps/src/index.ts';
